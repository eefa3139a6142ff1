// Keeps supervisors' pages current: every interval this node reads the desk's figures (one query batch) and pushes
// them to its own supervisor sockets when they differ from the last reading it pushed. Nothing is read while no
// supervisor or admin is connected to this node.
//
// Several nodes: each runs its own push and emits with `io.local`, to the sockets connected to it only. A plain
// `io.to(room)` goes through the Redis adapter to every node's sockets, so N nodes would each deliver every
// change to every supervisor, N times over. Every node reads the same database, so each sees the same change.
import { type DeskFigures, sameFigures } from "@/lib/domain/desk-figures";
import type { Logger } from "@/server/platform/logger";
import { runEvery } from "@/server/platform/run-every";
import { type AppSocketServer, SUPERVISORS_ROOM } from "@/server/realtime/socket-server";

/** How often; the figures on a supervisor's page are at most this much behind (plus the read). */
export const SUPERVISOR_FIGURES_MS = 2000;

export function startSupervisorFiguresPush(
  io: AppSocketServer,
  read: () => Promise<DeskFigures>,
  opts: { logger: Logger; intervalMs?: number },
): { stop(): void } {
  let last: DeskFigures | null = null;
  const stop = runEvery(
    opts.intervalMs ?? SUPERVISOR_FIGURES_MS,
    async () => {
      // The in-memory adapter and the Redis one both keep this node's rooms here.
      if (!io.of("/").adapter.rooms.get(SUPERVISORS_ROOM)?.size) {
        last = null; // whoever connects next asks for the figures on connecting; the next change is pushed
        return;
      }
      const figures = await read();
      if (sameFigures(last, figures)) return;
      last = figures;
      io.local.to(SUPERVISORS_ROOM).emit("supervisor:figures", { figures });
    },
    (err) => opts.logger.warn({ err }, "reading the supervisor figures failed; the next interval retries"),
  );
  return { stop };
}
