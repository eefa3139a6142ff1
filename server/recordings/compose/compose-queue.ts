// The "compose-recording" queue: one job per recording that turns its raw tracks into the movie.
// Idempotent enqueue (a rerun of "finish recording" adds nothing while a job for it is queued, waiting
// for a retry or running), retries with backoff, and expiry so a job whose worker died is run again.
import type PgBoss from "pg-boss";
import type { JobProgressStore } from "@/server/platform/jobs/job-progress";
import { settleStartupRace, type JobQueue } from "@/server/platform/jobs/job-queue";
import { startStaleJobReaper } from "@/server/platform/jobs/stale-job-reaper";

export const COMPOSE_RECORDING_QUEUE = "compose-recording";

export interface ComposeRecordingPayload {
  recordingId: string;
}

export interface ComposeRetryPolicy {
  /** Retries after the first attempt (total attempts = retryLimit + 1). */
  retryLimit: number;
  /** Base delay; pg-boss backoff waits delay*2^n/2 * (1 + random) before retry n+1 (jitter included). */
  retryDelaySeconds: number;
  /** A running job older than this is failed by maintenance and retried: the crash-recovery window.
   *  Must exceed the longest honest compositing run. */
  expireInSeconds: number;
  /** A running job whose worker stopped heartbeating for this long is failed (and so retried) early. */
  staleSeconds: number;
}

export const DEFAULT_COMPOSE_POLICY: ComposeRetryPolicy = { retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 3600, staleSeconds: 60 };

export interface ComposeJobContext {
  recordingId: string;
  jobId: string;
  /** 1 for the first run, 2 for the first retry... */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job's expiry passes: pg-boss then treats the job as failed and will retry it,
   *  so the handler should kill its ffmpeg instead of racing its own retry. */
  signal: AbortSignal;
  reportProgress(percent: number, stage?: string): Promise<void>;
}

export type ComposeJobHandler = (job: ComposeJobContext) => Promise<void>;

export interface ComposeJobState {
  jobId: string;
  state: "created" | "retry" | "active" | "completed" | "cancelled" | "failed";
  retryCount: number;
  /** Why the last attempt failed, when it did. */
  reason?: string;
}

export interface ComposeRecordingQueue {
  /** Returns the job that will compose the recording; `created` false when one was already pending. */
  enqueue(recordingId: string): Promise<{ jobId: string; created: boolean }>;
  /** Starts `concurrency` pollers, each running one job at a time. */
  work(handler: ComposeJobHandler, opts?: { concurrency?: number }): Promise<void>;
  stopWorking(): Promise<void>;
  /** The newest job for the recording (any state), or null. */
  latest(recordingId: string): Promise<ComposeJobState | null>;
}

export interface ComposeQueueOptions {
  policy?: Partial<ComposeRetryPolicy>;
  progress?: JobProgressStore;
  /** Called after each stored progress update (e.g. to push it to agents over Socket.IO). */
  onProgress?: (recordingId: string, percent: number, stage?: string) => void;
  /** Called when the last allowed attempt threw: mark the recording failed, send recording.failed. */
  onGaveUp?: (recordingId: string, error: unknown) => Promise<void> | void;
}

const PENDING = "('created', 'retry', 'active')";

export async function createComposeRecordingQueue(queue: JobQueue, opts: ComposeQueueOptions = {}): Promise<ComposeRecordingQueue> {
  const policy = { ...DEFAULT_COMPOSE_POLICY, ...opts.policy };
  const { boss, executor, schema, logger } = queue;
  const queueOptions = {
    name: COMPOSE_RECORDING_QUEUE,
    // "stately": at most one job per singleton key in each of created/retry/active. It backs up the
    // pending-job check in enqueue() against two enqueues racing each other.
    policy: "stately" as const,
    retryLimit: policy.retryLimit,
    retryDelay: policy.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: policy.expireInSeconds,
  };
  await settleStartupRace(async () => {
    await boss.createQueue(COMPOSE_RECORDING_QUEUE, queueOptions);
    // createQueue ignores an existing queue; apply changed settings too.
    await boss.updateQueue(COMPOSE_RECORDING_QUEUE, queueOptions);
  });

  let stopReaper: (() => void) | undefined;

  async function pendingJob(recordingId: string): Promise<string | null> {
    const { rows } = await executor.executeSql(
      `SELECT id FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 AND state IN ${PENDING} ORDER BY created_on LIMIT 1`,
      [COMPOSE_RECORDING_QUEUE, recordingId],
    );
    return rows[0]?.id ?? null;
  }

  return {
    async enqueue(recordingId) {
      const existing = await pendingJob(recordingId);
      if (existing) return { jobId: existing, created: false };
      const payload: ComposeRecordingPayload = { recordingId };
      const id = await boss.send(COMPOSE_RECORDING_QUEUE, payload, { singletonKey: recordingId });
      if (id) return { jobId: id, created: true };
      // Lost a race with a concurrent enqueue: the unique index refused ours, theirs exists.
      const winner = await pendingJob(recordingId);
      if (!winner) throw new Error(`could not enqueue composition of recording ${recordingId}`);
      return { jobId: winner, created: false };
    },

    async work(handler, { concurrency = 1 } = {}) {
      const run = async ([job]: PgBoss.JobWithMetadata<ComposeRecordingPayload>[]) => {
        const { recordingId } = job.data;
        const attempt = job.retryCount + 1;
        const maxAttempts = job.retryLimit + 1;
        const log = logger.child({ recordingId, jobId: job.id, attempt });
        const reportProgress = async (percent: number, stage?: string) => {
          await opts.progress?.set(recordingId, percent, stage);
          opts.onProgress?.(recordingId, percent, stage);
        };
        log.info("composition started");
        const heartbeat = setInterval(
          () => void opts.progress?.touch(recordingId).catch(() => undefined),
          Math.max(1000, (policy.staleSeconds * 1000) / 6),
        );
        try {
          await reportProgress(0, "started");
          await handler({
            recordingId,
            jobId: job.id,
            attempt,
            maxAttempts,
            signal: AbortSignal.timeout(job.expireInSeconds * 1000),
            reportProgress,
          });
          await reportProgress(100, "done");
          log.info("composition finished");
        } catch (error) {
          const final = attempt >= maxAttempts;
          log.warn({ err: error, final }, final ? "composition failed; no retries left" : "composition failed; will retry");
          if (final) await Promise.resolve(opts.onGaveUp?.(recordingId, error)).catch((e) => log.error({ err: e }, "onGaveUp failed"));
          throw error; // pg-boss records the failure and schedules the retry
        } finally {
          clearInterval(heartbeat);
        }
      };
      if (opts.progress && !stopReaper) {
        const table = opts.progress.table;
        stopReaper = startStaleJobReaper({
          queue,
          name: COMPOSE_RECORDING_QUEUE,
          staleSeconds: policy.staleSeconds,
          progressTable: table,
          onReaped: (ids) => logger.warn({ jobIds: ids }, "failed jobs whose worker stopped heartbeating; they will be retried"),
        });
      }
      for (let i = 0; i < Math.max(1, concurrency); i++) {
        await boss.work<ComposeRecordingPayload>(
          COMPOSE_RECORDING_QUEUE,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: queue.pollingIntervalSeconds },
          run,
        );
      }
    },

    async stopWorking() {
      stopReaper?.();
      stopReaper = undefined;
      await boss.offWork(COMPOSE_RECORDING_QUEUE);
    },

    async latest(recordingId) {
      const { rows } = await executor.executeSql(
        `SELECT id, state, retry_count, output FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on DESC LIMIT 1`,
        [COMPOSE_RECORDING_QUEUE, recordingId],
      );
      const row = rows[0];
      return row ? { jobId: row.id, state: row.state, retryCount: Number(row.retry_count), reason: failureReason(row.output) } : null;
    },
  };
}

/** What pg-boss kept of a failure: a thrown error's message, or the reason the stale-job reaper gave. */
function failureReason(output: unknown): string | undefined {
  if (!output || typeof output !== "object") return undefined;
  const { message, reason } = output as { message?: unknown; reason?: unknown };
  if (typeof message === "string") return message;
  return typeof reason === "string" ? reason : undefined;
}
