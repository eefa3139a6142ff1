// A worker that dies mid-job (SIGKILL, lost host) leaves its job "active" until pg-boss expires it, which
// must be longer than the longest honest run (an hour by default). Running jobs therefore heartbeat in the
// progress table, and every worker fails jobs whose heartbeat stopped, so pg-boss retries them on a live
// worker within about a minute instead of an hour.
import type { JobQueue } from "@/server/platform/jobs/job-queue";

export interface StaleJobReaperOptions {
  queue: JobQueue;
  name: string;
  /** A running job with no heartbeat for this long is considered orphaned. */
  staleSeconds: number;
  /** Where heartbeats land (the job-progress table), keyed by the job's singleton key. */
  progressTable: string;
  onReaped?: (jobIds: string[]) => void;
}

export function startStaleJobReaper(o: StaleJobReaperOptions): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const { rows } = await o.queue.executor.executeSql(
        `SELECT j.id FROM ${o.queue.schema}.job j LEFT JOIN ${o.progressTable} p ON p.recording_id = j.singleton_key
          WHERE j.name = $1 AND j.state = 'active' AND j.started_on < now() - make_interval(secs => $2)
            AND (p.updated_at IS NULL OR p.updated_at < now() - make_interval(secs => $2))`,
        [o.name, o.staleSeconds],
      );
      const ids = rows.map((r: { id: string }) => r.id);
      if (ids.length === 0) return;
      for (const id of ids)
        await o.queue.boss.fail(o.name, id, { reason: `no heartbeat for ${o.staleSeconds} s: the worker running it is gone` });
      o.onReaped?.(ids);
    } catch (err) {
      o.queue.logger.warn({ err }, "stale job sweep failed; trying again later");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), Math.max(1000, (o.staleSeconds * 1000) / 3));
  timer.unref();
  return () => clearInterval(timer);
}
