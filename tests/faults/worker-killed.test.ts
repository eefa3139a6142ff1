// Two compositing worker PROCESSES (entrypoints/worker.ts) share a throw-away PostgreSQL database, a standalone S3
// server and one recordings folder. The worker that takes the compose job is SIGKILLed mid-job (its whole
// process group: node and its ffmpeg); the other one must notice the dead worker's silent heartbeat and finish
// the job long before its one-hour expiry: the recording is
// ready, the movie is in S3 and ffprobe reads it with the recording's duration.
// Needs PostgreSQL (a second process cannot share the embedded PGlite): runs in the PostgreSQL pass
// (DATABASE_URL set), e.g. DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx vitest run tests/faults/worker-killed.test.ts
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { createScratchDatabase, type ScratchDatabase } from "@/tests/support/scratch-database";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { openDatabase, type Database } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { jsonLine, startChild, type ChildHandle } from "@/tests/support/process-helpers";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger } from "@/tests/support/test-database";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { TWO_PERSON_MEDIA } from "@/tests/support/media/synthetic-recording";
import {
  agentIdentity,
  probeMovie,
  S3_KEYS,
  startS3Server,
  stoppedRecording,
  untilRecordingStatus,
} from "@/tests/support/faults/recording-fixtures";

const PG_SERVER = process.env.DATABASE_URL;
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const S3_PORT = 4600;
const BUCKET = "worker-killed";
const SECONDS = 6;
// The production expiry: only the heartbeat (COMPOSE_STALE_SECONDS) can bring the job back within the test.
const EXPIRE_SECONDS = 3600;
const STALE_SECONDS = 5;
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.skipIf(!PG_SERVER || !hasFfmpeg)("a compositing worker process killed mid-job (postgres)", () => {
  let scratch: ScratchDatabase | undefined;
  let dir: string;
  let db: Database;
  let stack: RealtimeStack;
  let s3: { endpoint: string; close(): Promise<void> };
  let store: ObjectStore;
  let web: RecordingBackend;
  let host: Identity;
  const workers: ChildHandle[] = [];
  const recordingsDir = () => path.join(dir, "recordings");

  const env = (dbUrl: string, dataDir: string): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    DATABASE_POOL_MAX: "3",
    DATA_DIR: dataDir,
    RECORDER_DIR: recordingsDir(),
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: BUCKET,
    S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
    AUTH_SECRET: "w".repeat(48),
    COMPOSE_WIDTH: "640",
    COMPOSE_HEIGHT: "360",
    COMPOSE_EXPIRE_SECONDS: String(EXPIRE_SECONDS),
    COMPOSE_STALE_SECONDS: String(STALE_SECONDS),
    COMPOSE_RETRY_LIMIT: "3",
    COMPOSE_RETRY_DELAY_SECONDS: "1",
    JOBS_POLL_INTERVAL_SECONDS: "0.5",
    RECORDING_RETENTION_DAYS: "0",
    LOG_LEVEL: "info",
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-fault-worker-"));
    scratch = await createScratchDatabase(PG_SERVER!, "vhd_fault_worker");
    db = await openDatabase({ databaseUrl: scratch.url, poolMax: 3, logger: silentLogger });
    await seed(db.prisma, {});
    stack = await startRealtimeStack({ sharedDb: db, recordingsDir: recordingsDir() });
    host = await agentIdentity(db);
    s3 = await startS3Server({ port: S3_PORT, directory: path.join(dir, "s3"), bucket: BUCKET });
    store = await openObjectStore({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: BUCKET,
      ...S3_KEYS,
      forcePathStyle: true,
      embeddedDir: "",
      embeddedPort: 0,
    });

    // Two worker processes, each with its own scratch folder, the shared recordings folder and database.
    for (const name of ["worker-a", "worker-b"]) {
      const childEnv: NodeJS.ProcessEnv = {
        NODE_ENV: "test",
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...env(scratch!.url, path.join(dir, name)),
      };
      workers.push(
        startChild(name, process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "entrypoints/worker.ts"], {
          cwd: ROOT,
          env: childEnv,
        }),
      );
    }
    await Promise.all(workers.map((w) => w.waitForLine((l) => jsonLine(l)?.msg === "worker ready", 45_000)));
    // This process plays a web node (WORKER_IN_PROCESS=false): it queues the job, the workers run it.
    web = await startRecordingBackend(
      parseEnv(env(scratch!.url, path.join(dir, "web"))),
      { db, storage: store, logger: silentLogger, authSecret: "w".repeat(48) } as unknown as CoreServices,
      {
        runWorker: false,
        logger: silentLogger,
      },
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await web?.close();
    await stack?.close();
    await db?.close();
    await store?.close();
    await s3?.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("the other worker finishes the job: ready, movie in S3, right duration", async () => {
    const stopped = await stoppedRecording(stack, host, recordingsDir(), SECONDS);
    const id = stopped.id;
    await web.onChange(stopped);

    // Whichever worker logs that it started this recording's composition is the one to kill.
    const started = (w: ChildHandle) =>
      w
        .waitForLine((l) => {
          const j = jsonLine(l);
          return j?.msg === "composition started" && j.recordingId === id;
        }, 30_000)
        .then(() => w);
    const victim = await Promise.any(workers.map(started));
    const survivor = workers.find((w) => w !== victim)!;
    await untilRecordingStatus(db, id, "processing", 10_000);
    victim.kill("SIGKILL");
    const killedAt = Date.now();
    expect((await victim.exited).signal).toBe("SIGKILL");
    // Mid-job: nothing was stored yet.
    await expect(store.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `recordings/${id}/movie.mp4` }))).rejects.toMatchObject({
      name: "NotFound",
    });
    expect((await db.prisma.recording.findUniqueOrThrow({ where: { id } })).status).toBe("processing");

    // The survivor's sweep fails the job whose heartbeat went silent, and pg-boss retries it.
    const row = await untilRecordingStatus(db, id, "ready", 100_000);
    const recoveredInMs = Date.now() - killedAt;
    expect(survivor.alive).toBe(true);
    // The row turns ready just before the worker logs it.
    await survivor.waitForLine((l) => jsonLine(l)?.msg === "recording ready" && jsonLine(l)?.recordingId === id, 5000);
    // pg-boss marks the job completed just after the handler returns.
    await expect.poll(async () => (await web.pipeline.compose.latest(id))?.state, { timeout: 10_000 }).toBe("completed");
    expect((await web.pipeline.compose.latest(id))!.retryCount).toBeGreaterThanOrEqual(1);

    const object = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: row.movieKey! }));
    const file = path.join(dir, "downloaded.mp4");
    writeFileSync(file, await object.Body!.transformToByteArray());
    expect(Number(row.movieBytes)).toBe(object.ContentLength);
    const probe = probeMovie(file);
    expect(probe.streams).toMatch(/h264/);
    expect(probe.streams).toMatch(/aac/);
    expect(probe.decodeErrors).toBe("");
    expect(Math.abs(probe.seconds - SECONDS)).toBeLessThan(0.5);
    expect(Math.abs(row.durationMs! - SECONDS * 1000)).toBeLessThan(500);
    expectMovieContent(file, TWO_PERSON_MEDIA);
    // Raw tracks stay where the recorder keeps them.
    expect(existsSync(path.join(recordingsDir(), id, "manifest.jsonl"))).toBe(true);
    const logged = (msg: string) =>
      survivor.lines
        .map(jsonLine)
        .filter((j) => j?.msg === msg && j.recordingId === id)
        .map((j) => new Date(j!.time as string | number).getTime());
    const rerunStartedAt = Math.max(...logged("composition started"));
    console.info(
      `worker-killed: the survivor started the rerun ${rerunStartedAt - killedAt} ms after the kill (heartbeat stale after ${STALE_SECONDS} s, ` +
        `expiry ${EXPIRE_SECONDS} s) and finished it in ${Math.max(...logged("recording ready")) - rerunStartedAt} ms; ready ${recoveredInMs} ms after the kill`,
    );
  }, 150_000);
});
