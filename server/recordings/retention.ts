// Deletes recordings whose retention period is over. The app's own sweep is the source of truth: it works
// on every backend (the embedded s3rver has no lifecycle support; Azure lifecycle policies do not know "keep"). The sweep first claims a recording (so a "keep"
// arriving meanwhile wins or is refused, never both), and its objects are forgotten only after a listing shows
// that nothing of it remains, so a failed deletion is retried on the next sweep instead of leaving billable,
// privacy-relevant video behind a record that claims it is gone.
import type { Logger } from "pino";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import type { RecordingStore } from "@/server/recordings/recording-store";
import { removeAllObjectsOf, type RecordingObjects } from "@/server/recordings/recording-objects";
import { runEvery } from "@/server/platform/run-every";

export type ExpiredRecording = RecordingObjects;

export interface RetentionSweepOptions {
  storage: ObjectStorage;
  listExpired: () => Promise<ExpiredRecording[]>;
  /** Taken before any object is deleted; false leaves the recording and its objects alone (kept meanwhile). */
  claim?: (id: string) => Promise<boolean>;
  /** Nothing of it remains in the store. */
  markExpired: (id: string) => Promise<void>;
  logger?: Logger;
}

export interface SweepResult {
  expired: { id: string; deletedObjects: number }[];
  failed: { id: string; error: string }[];
}

/** One pass: each expired recording is handled on its own so one failure does not block the rest. */
export async function sweepExpiredRecordings(opts: RetentionSweepOptions): Promise<SweepResult> {
  const result: SweepResult = { expired: [], failed: [] };
  for (const recording of await opts.listExpired()) {
    try {
      if (opts.claim && !(await opts.claim(recording.id))) continue;
      const deletedObjects = await removeAllObjectsOf(opts.storage, recording);
      await opts.markExpired(recording.id);
      result.expired.push({ id: recording.id, deletedObjects });
      opts.logger?.info({ recordingId: recording.id, deletedObjects }, "expired recording deleted from storage");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.failed.push({ id: recording.id, error: message });
      opts.logger?.warn({ recordingId: recording.id, err: error }, "could not expire recording; will retry next sweep");
    }
  }
  return result;
}

/** The sweep's view of the recordings: the store claims and forgets; `announce` tells agents. */
export function recordingRetention(
  store: RecordingStore,
  announce: (id: string) => Promise<void>,
  clock: () => Date = () => new Date(),
): Pick<RetentionSweepOptions, "listExpired" | "claim" | "markExpired"> {
  return {
    listExpired: () => store.dueForExpiry(clock()),
    claim: async (id) => {
      const claimed = await store.claimExpiry(id, clock());
      if (claimed) await announce(id);
      return claimed;
    },
    markExpired: async (id) => {
      await store.forgetObjects(id);
      await announce(id);
    },
  };
}

/** Sweeps now and then every intervalMs; overlapping runs are skipped. Returns a stop function. */
export function startRetentionSweeper(
  opts: RetentionSweepOptions & { intervalMs: number; onSweep?: (r: SweepResult) => void },
): () => void {
  return runEvery(
    opts.intervalMs,
    // Not `opts.onSweep?.(await sweep…)`: without onSweep an optional call skips its arguments, and the sweep with them.
    async () => {
      const result = await sweepExpiredRecordings(opts);
      opts.onSweep?.(result);
    },
    (error) => opts.logger?.warn({ err: error }, "retention sweep failed"),
  );
}
