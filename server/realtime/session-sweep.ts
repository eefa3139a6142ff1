// Closes the sockets of agents whose session was ended (deactivated, password reset) by anyone: the console, the
// CLI or another node. Each node sweeps its own sockets; one query per sweep covers every agent connected here.
import type { Logger } from "@/server/platform/logger";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import type { AppSocketServer } from "@/server/realtime/socket-server";

/** How often; with the console's reaction this keeps "deactivated → signed out" within a few seconds. */
export const SESSION_SWEEP_MS = 2000;

export function startSessionSweep(
  io: AppSocketServer,
  sessions: AgentSessions,
  opts: { logger: Logger; intervalMs?: number },
): { stop(): void; sweep(): Promise<number> } {
  let running = false;
  const sweep = async (): Promise<number> => {
    if (running) return 0;
    running = true;
    try {
      const agents = [...io.of("/").sockets.values()].filter((s) => s.data.identity?.kind === "agent" && s.data.sessionEpoch !== undefined);
      const identities = agents.map((s) => ({
        socket: s,
        identity: s.data.identity as Extract<typeof s.data.identity, { kind: "agent" }>,
      }));
      const { ended, roleChanged } = await sessions.check(
        identities.map(({ socket, identity }) => ({ agentId: identity.id, epoch: socket.data.sessionEpoch!, role: identity.role })),
      );
      let closed = 0;
      for (const { socket, identity } of identities) {
        const key = `${identity.id}@${socket.data.sessionEpoch}`;
        if (ended.has(key)) {
          socket.emit("session:ended", { message: "your session was ended by an administrator; sign in again" });
          socket.disconnect(true);
          closed++;
        } else if (roleChanged.has(key)) {
          // The client reconnects by itself and joins the rooms of its new role (supervisors see every recording).
          socket.conn.close();
          closed++;
        }
      }
      if (closed) opts.logger.info({ closed }, "closed the sockets of ended agent sessions");
      return closed;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => {
    sweep().catch((err) => opts.logger.warn({ err }, "checking agent sessions failed; next sweep retries"));
  }, opts.intervalMs ?? SESSION_SWEEP_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
