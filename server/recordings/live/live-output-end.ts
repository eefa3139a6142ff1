// A recording rendered live somewhere else (another node, or this node's web process while the job runs in a
// separate worker) is finished there after Stop: its last window and closed index land a few seconds later. The
// job waits for them rather than deciding at once, so that it assembles the movie from the stored segments
// (seconds) instead of compositing the raw files again (minutes), and a recording is never ready while its live
// playlist is still open. It stops waiting when the renderer's index stops changing (a lost node).
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { type LiveIndex, readLiveIndex } from "@/server/recordings/live/live-index";

export interface LiveOutputEndOptions {
  /** An index unchanged this long has no renderer any more. */
  staleMs: number;
  /** The longest wait in any case (a renderer far behind still stores a window now and then). */
  maxMs: number;
  pollMs?: number;
  now?: () => number;
}

/** The recording's live index once it is ended, stale, absent, or the wait is over (then as it stands). */
export async function untilLiveOutputEnds(storage: ObjectStorage, recordingId: string, o: LiveOutputEndOptions): Promise<LiveIndex | null> {
  const now = o.now ?? Date.now;
  const giveUpAt = now() + o.maxMs;
  let last: LiveIndex | null = null;
  for (;;) {
    // A read that fails (the store briefly unreachable, an index being rewritten) is tried again, not taken as none.
    const read = await readLiveIndex(storage, recordingId).then(
      (index) => ({ index }),
      () => null,
    );
    if (read) {
      last = read.index;
      if (!last || last.ended || now() - Date.parse(last.updatedAt) >= o.staleMs) return last;
    }
    if (now() >= giveUpAt) return last;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
