// pg-boss on the app's database (PGlite through the one shared connection, or PostgreSQL with its own
// pool): idempotent enqueue, retry after a throwing handler, and a job whose worker died mid-run is
// picked up again by another worker once its expiry passes.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createComposeRecordingQueue, type ComposeJobContext, type ComposeRecordingQueue } from "@/server/recordings/compose/compose-queue";
import { createJobProgressStore, type JobProgressStore } from "@/server/platform/jobs/job-progress";
import { createJobQueue, poolExecutor, type JobQueue, type SqlExecutor } from "@/server/platform/jobs/job-queue";
import type { Database } from "@/server/platform/database/database";
import { openTestDatabase, silentLogger } from "@/tests/support/test-database";

const policy = { retryLimit: 2, retryDelaySeconds: 1, expireInSeconds: 3 };
const fast = { pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function connectionString(db: Database): string | undefined {
  return db.mode === "postgres" ? (db.pool as unknown as { options: { connectionString: string } }).options.connectionString : undefined;
}

describe(`compose-recording queue on pg-boss`, () => {
  let db: Database;
  let queue: JobQueue;
  let compose: ComposeRecordingQueue;
  let progress: JobProgressStore;
  // Each test registers what its recording's handler does; one worker set serves them all.
  const behaviours = new Map<string, (job: ComposeJobContext) => Promise<void>>();
  const dispatch = async (job: ComposeJobContext) => {
    const behaviour = behaviours.get(job.recordingId);
    if (!behaviour) throw new Error(`no behaviour for ${job.recordingId}`);
    await behaviour(job);
  };
  const extraPools: pg.Pool[] = [];
  const gaveUp: string[] = [];

  beforeAll(async () => {
    db = await openTestDatabase();
    queue = createJobQueue({ pool: db.pool, mode: db.mode, connectionString: connectionString(db), logger: silentLogger, ...fast });
    await queue.start();
    progress = createJobProgressStore(db.pool);
    await progress.init();
    compose = await createComposeRecordingQueue(queue, {
      policy,
      progress,
      onGaveUp: (id, error) => void gaveUp.push(`${id}: ${(error as Error).message}`),
    });
  });

  afterAll(async () => {
    await queue?.stop({ graceful: false });
    for (const pool of extraPools) await pool.end();
    await db?.close();
  });

  async function jobCount(recordingId: string): Promise<number> {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'compose-recording' AND singleton_key = $1`,
      [recordingId],
    );
    return rows[0].n;
  }

  it(`enqueues a recording once however often it is asked (${process.env.DATABASE_URL ? "postgres" : "pglite"})`, async () => {
    const first = await compose.enqueue("rec-once");
    const second = await compose.enqueue("rec-once");
    const concurrent = await Promise.all([compose.enqueue("rec-race"), compose.enqueue("rec-race"), compose.enqueue("rec-race")]);
    expect(first.created).toBe(true);
    expect(second).toEqual({ jobId: first.jobId, created: false });
    expect(await jobCount("rec-once")).toBe(1);
    expect(new Set(concurrent.map((c) => c.jobId)).size).toBe(1);
    expect(concurrent.filter((c) => c.created)).toHaveLength(1);
    expect(await jobCount("rec-race")).toBe(1);
  });

  it("retries a handler that throws, and adds no job while one is active or waiting to retry", async () => {
    const attempts: number[] = [];
    const hopelessAttempts: number[] = [];
    behaviours.set("rec-hopeless", async (job) => {
      hopelessAttempts.push(job.attempt);
      throw new Error(`bad input, attempt ${job.attempt}`);
    });
    await compose.enqueue("rec-hopeless");
    let releaseFirst!: () => void;
    const firstRunning = new Promise<void>((started) => {
      behaviours.set("rec-retry", async (job) => {
        attempts.push(job.attempt);
        if (job.attempt === 1) {
          started();
          await new Promise<void>((r) => (releaseFirst = r));
          throw new Error("compositor crashed");
        }
        await job.reportProgress(50, "halfway");
      });
    });
    const { jobId } = await compose.enqueue("rec-retry");
    behaviours.set("rec-once", async () => {});
    behaviours.set("rec-race", async () => {});
    await compose.work(dispatch, { concurrency: 2 });
    await firstRunning;
    expect(await compose.enqueue("rec-retry")).toEqual({ jobId, created: false }); // active
    releaseFirst();
    await until("retry state", async () => (await compose.latest("rec-retry"))?.state === "retry");
    expect(await compose.enqueue("rec-retry")).toEqual({ jobId, created: false }); // waiting to retry
    await until("completion", async () => (await compose.latest("rec-retry"))?.state === "completed");
    expect(attempts).toEqual([1, 2]);
    expect(await compose.latest("rec-retry")).toMatchObject({ jobId, retryCount: 1 });
    expect(await progress.get("rec-retry")).toMatchObject({ percent: 100, stage: "done" });
    expect(await jobCount("rec-retry")).toBe(1);
    // Once done, asking again is a new composition (e.g. an operator re-runs it).
    expect((await compose.enqueue("rec-retry")).created).toBe(true);
    // A job that always throws runs retryLimit + 1 times, then fails for good and onGaveUp hears of it once.
    await until("retries exhausted", async () => (await compose.latest("rec-hopeless"))?.state === "failed");
    expect(hopelessAttempts).toEqual([1, 2, 3]);
    expect(gaveUp).toEqual(["rec-hopeless: bad input, attempt 3"]);
    await compose.stopWorking();
  });

  it("runs a job again on another worker after its first worker died mid-job and the job expired", async () => {
    // A second pg-boss whose SQL path can be cut, as if its process was killed: from then on it never
    // reaches the database again (not even to fail its job on the way out).
    let dead = false;
    const ownPool = db.mode === "postgres" ? new pg.Pool({ connectionString: connectionString(db), max: 2 }) : db.pool;
    if (ownPool !== db.pool) extraPools.push(ownPool);
    const live = poolExecutor(ownPool);
    const killable: SqlExecutor = { executeSql: (text, values) => (dead ? new Promise(() => {}) : live.executeSql(text, values)) };
    const doomed = createJobQueue({ pool: db.pool, mode: db.mode, logger: silentLogger, executor: killable, ...fast });
    await doomed.start();
    const doomedCompose = await createComposeRecordingQueue(doomed, { policy, progress });

    const runs: { attempt: number; at: number }[] = [];
    let signalAborted = false;
    const firstStarted = new Promise<void>((started) => {
      behaviours.set("rec-killed", async (job) => {
        runs.push({ attempt: job.attempt, at: Date.now() });
        if (runs.length === 1) {
          job.signal.addEventListener("abort", () => (signalAborted = true));
          started();
          await new Promise(() => {}); // the process "dies" while this runs
        }
      });
    });
    const { jobId } = await compose.enqueue("rec-killed");
    await doomedCompose.work(dispatch);
    await firstStarted;
    dead = true;
    const killedAt = Date.now();
    void doomed.stop({ graceful: false }); // clears its timers; its final SQL hangs like a dead socket

    await compose.work(dispatch);
    await until(
      "the job to complete on the surviving worker",
      async () => (await compose.latest("rec-killed"))?.state === "completed",
      25_000,
    );
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    // Not before the expiry: a live but slow worker must not be raced.
    expect(runs[1]!.at - killedAt).toBeGreaterThanOrEqual(policy.expireInSeconds * 1000 - 500);
    expect(signalAborted).toBe(true);
    expect(await compose.latest("rec-killed")).toMatchObject({ jobId, retryCount: 1 });
    await compose.stopWorking();
  });

  it("fails and retries a job whose worker stopped heartbeating, long before its expiry", async () => {
    // The expiry is an hour: only the heartbeat can bring this job back quickly.
    const slow = { ...policy, expireInSeconds: 3600, staleSeconds: 2, retryDelaySeconds: 1 };
    let dead = false;
    const silentWhenDead: JobProgressStore = { ...progress, touch: (id) => (dead ? new Promise(() => {}) : progress.touch(id)) };
    const doomed = createJobQueue({ pool: db.pool, mode: db.mode, connectionString: connectionString(db), logger: silentLogger, ...fast });
    await doomed.start();
    const doomedCompose = await createComposeRecordingQueue(doomed, { policy: slow, progress: silentWhenDead });
    const runs: { attempt: number; at: number }[] = [];
    const firstStarted = new Promise<void>((started) => {
      behaviours.set("rec-silent", async (job) => {
        runs.push({ attempt: job.attempt, at: Date.now() });
        if (runs.length === 1) {
          started();
          await new Promise(() => {}); // hangs like a killed process
        }
      });
    });
    await compose.enqueue("rec-silent");
    await doomedCompose.work(dispatch);
    await firstStarted;
    const survivor = await createComposeRecordingQueue(queue, { policy: slow, progress });
    await survivor.work(dispatch);
    await sleep(4000);
    // Still heartbeating: a slow but live worker is left alone by the survivor's sweeps.
    expect((await compose.latest("rec-silent"))?.state).toBe("active");
    dead = true;
    await doomedCompose.stopWorking();
    const killedAt = Date.now();
    await until(
      "the job to complete on the surviving worker",
      async () => (await compose.latest("rec-silent"))?.state === "completed",
      30_000,
    );
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);
    expect(runs[1]!.at - killedAt).toBeLessThan(20_000);
    await survivor.stopWorking();
    await doomed.stop({ graceful: false });
  }, 60_000);
});
