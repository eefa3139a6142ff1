// Recordings whose node died: a node compositing a recording live rewrites its index at least every few seconds
// (live-composer.ts). Any worker looks at the recordings still capturing; one whose index stopped changing for
// `staleMs` lost its node (SIGKILL, host gone) and nobody else will stop it. It is marked interrupted where its
// heartbeat stopped and queued: the job makes the movie from the raw files if they are anywhere, else from the
// stored windows (everything but the window in progress).
import type { Logger } from "@/server/platform/logger";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { readLiveIndex } from "@/server/recordings/live/live-index";
import type { RecordingStore } from "@/server/recordings/recording-store";

export interface LiveWatchOptions {
  store: Pick<RecordingStore, "capturing" | "markLost">;
  storage: ObjectStorage;
  staleMs: number;
  /** The recording was marked interrupted: announce it and queue its compositing. */
  onLost: (recordingId: string) => Promise<void>;
  logger: Logger;
  now?: () => number;
}

/** One pass; returns the recordings it marked lost. */
export async function findLostRecordings(o: LiveWatchOptions): Promise<string[]> {
  const lost: string[] = [];
  for (const id of await o.store.capturing()) {
    const index = await readLiveIndex(o.storage, id).catch(() => null);
    // No live output (live compositing off, or not started yet): nothing tells whether its node is alive.
    if (!index || index.ended) continue;
    const lastBeat = Date.parse(index.updatedAt);
    if ((o.now ?? Date.now)() - lastBeat < o.staleMs) continue;
    const applied = await o.store.markLost(id, new Date(lastBeat));
    if (!applied.won) continue;
    o.logger.warn(
      { recordingId: id, lastHeartbeat: index.updatedAt, segments: index.segments.length },
      "recording lost its node; finishing it elsewhere",
    );
    lost.push(id);
    await o.onLost(id);
  }
  return lost;
}
