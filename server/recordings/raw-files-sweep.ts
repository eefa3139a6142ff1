// Raw tracks on this node's disk (RECORDER_DIR) are removed once nothing needs them: at once for a recording that
// was deleted or expired (the control API served them, and the disk filled until new recordings got 507), and
// RAW_FILES_GRACE_HOURS after a recording became ready (the movie, and the raw upload when enabled, are then
// confirmed in storage; within the grace a layout change can still re-composite). Failed and capturing recordings
// keep theirs. Every node with a co-located recorder runs it over its own folder.
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { RecordingStatus } from "@/lib/domain/recording";
import { runEvery } from "@/server/platform/run-every";

export interface RawFilesSweepOptions {
  directory: string;
  states: (ids: string[]) => Promise<Map<string, { status: RecordingStatus; readyAt: Date | null }>>;
  graceMs: number;
  now?: () => Date;
  logger?: Logger;
}

const RECORDING_ID = /^[A-Za-z0-9_-]{1,128}$/;
const GONE: ReadonlySet<RecordingStatus> = new Set(["deleted", "expired"]);

/** One pass; answers the recordings whose folders it removed. */
export async function sweepRawFiles(o: RawFilesSweepOptions): Promise<string[]> {
  const entries = await readdir(o.directory, { withFileTypes: true }).catch(() => []);
  const ids = entries.filter((e) => e.isDirectory() && RECORDING_ID.test(e.name)).map((e) => e.name);
  if (!ids.length) return [];
  const states = await o.states(ids);
  const now = (o.now ?? (() => new Date()))().getTime();
  const removed: string[] = [];
  for (const id of ids) {
    // A folder the database does not know (another deployment's, or one being set up) is left alone.
    const state = states.get(id);
    if (!state) continue;
    const due = GONE.has(state.status) || (state.status === "ready" && !!state.readyAt && now - state.readyAt.getTime() >= o.graceMs);
    if (!due) continue;
    await rm(path.join(o.directory, id), { recursive: true, force: true });
    removed.push(id);
    o.logger?.info({ recordingId: id, status: state.status }, "raw recording files removed");
  }
  return removed;
}

/** Sweeps now and then every intervalMs; overlapping runs are skipped. Returns a stop function. */
export function startRawFilesSweeper(o: RawFilesSweepOptions & { intervalMs: number }): () => void {
  return runEvery(
    o.intervalMs,
    async () => void (await sweepRawFiles(o)),
    (err) => o.logger?.warn({ err }, "raw files sweep failed"),
  );
}
