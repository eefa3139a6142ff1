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
  for (let failures = 0; ; ) {
    // A read that fails (an index being rewritten) is tried again, but a store that stays unreachable is not
    // waited for: the job goes on as without live output, and its upload waits for storage like any movie.
    const read = await readLiveIndex(storage, recordingId).then(
      (index) => ({ index }),
      () => null,
    );
    if (read) {
      failures = 0;
      last = read.index;
      if (!last || last.ended || now() - Date.parse(last.updatedAt) >= o.staleMs) return last;
    } else if (++failures >= 3) return last;
    if (now() >= giveUpAt) return last;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
}
