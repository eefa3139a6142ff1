// Recordings waiting for a movie are matched against their compose job every few seconds, because a job can
// end without its handler hearing of it: the stale-job reaper or pg-boss's expiry fails a last attempt whose
// worker is gone, so onGaveUp never runs and the recording stayed `processing` forever (and could not be
// deleted). A recording asked to be composited again (a layout change after the movie) has no job yet.
// Processing with a failed job: give up with the job's reason. Waiting with no live job: queue it.
import { runEvery } from "@/server/platform/run-every";
import type { Logger } from "@/server/platform/logger";
import type { ComposeRecordingQueue } from "@/server/recordings/compose/compose-queue";
import type { RecordingStore } from "@/server/recordings/recording-store";

const LIVE = new Set(["created", "retry", "active"]);

export interface ComposeReconcilerOptions {
  store: Pick<RecordingStore, "awaitingMovie">;
  compose: Pick<ComposeRecordingQueue, "latest" | "enqueue">;
  giveUp: (recordingId: string, reason: string) => Promise<void>;
  /** Being composited in this process outside the queue (the assembly at Stop): not waiting for a job. */
  busy?: (recordingId: string) => boolean;
  intervalMs: number;
  logger: Logger;
}

export async function reconcileOnce(o: Omit<ComposeReconcilerOptions, "intervalMs">): Promise<void> {
  for (const { id, status } of await o.store.awaitingMovie()) {
    if (o.busy?.(id)) continue;
    const job = await o.compose.latest(id);
    if (job && LIVE.has(job.state)) continue;
    if (status === "processing" && job?.state === "failed") {
      o.logger.warn({ recordingId: id, jobId: job.jobId }, "compositing job failed outside its handler; giving up");
      await o.giveUp(id, job.reason ?? "the compositing job failed");
    } else {
      await o.compose.enqueue(id);
    }
  }
}

export function startComposeReconciler(o: ComposeReconcilerOptions): () => void {
  return runEvery(
    o.intervalMs,
    () => reconcileOnce(o),
    (err) => o.logger.warn({ err }, "compose reconciliation failed; trying again later"),
  );
}
