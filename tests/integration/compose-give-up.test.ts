// A compose job can end without its handler knowing: the stale-job reaper (or pg-boss's expiry) fails the last
// attempt of a job whose worker is gone. onGaveUp never ran, and the recording stayed `processing` forever,
// which also refused its deletion. And a layout chosen after the movie was made changed the record but never
// the movie. Both on the real job queue, database and compositor.
import { spawnSync } from "node:child_process";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { COMPOSE_RECORDING_QUEUE } from "@/server/recordings/compose/compose-queue";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { agentIdentity, stoppedRecording, untilRecordingStatus } from "@/tests/support/faults/recording-fixtures";
import { RECORDER_SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";
import { TEST_CLIENT } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

describe(`compose jobs that end outside their handler (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let host: Identity;
  let dataDir: string;
  let store: ObjectStore;
  let backend: RecordingBackend;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-give-up-"));
    stack = await startRealtimeStack({ recordingsDir: path.join(dataDir, "recordings") });
    host = await agentIdentity(stack.db);
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "give-up-test",
      forcePathStyle: true,
      embeddedDir: path.join(dataDir, "s3"),
      embeddedPort: 0,
    });
    const env = parseEnv({
      DATA_DIR: dataDir,
      RECORDER_DIR: path.join(dataDir, "recordings"),
      COMPOSE_WIDTH: "640",
      COMPOSE_HEIGHT: "360",
      COMPOSE_RETRY_LIMIT: "0",
      COMPOSE_STALE_SECONDS: "3",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      DATABASE_URL: process.env.DATABASE_URL,
      RECORDER_SECRET,
    });
    const core = { db: stack.db, storage: store, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices;
    // No worker yet: the test plays the worker that claimed the job and died.
    backend = await startRecordingBackend(env, core, { runWorker: false, logger: silentLogger });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await store?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a last attempt failed by the stale-job reaper marks the recording failed with the reason", async () => {
    const stopped = await stoppedRecording(stack, host, path.join(dataDir, "recordings"), 2);
    const { pipeline, library } = backend;
    await pipeline.enqueue(stopped.id);
    const [job] = await pipeline.jobs.boss.fetch(COMPOSE_RECORDING_QUEUE);
    expect(job).toBeDefined();
    // The worker claimed it (processing)…
    expect((await library.store.claimForCompositing(stopped.id)).won).toBe(true);
    // …and died; the reaper fails its job exactly as it does in production.
    await pipeline.jobs.boss.fail(COMPOSE_RECORDING_QUEUE, job!.id, { reason: "no heartbeat for 3 s: the worker running it is gone" });
    expect((await pipeline.compose.latest(stopped.id))?.state).toBe("failed");

    // Any live worker notices.
    await pipeline.startWorker(1);
    const row = await untilRecordingStatus(stack.db, stopped.id, "failed", 15_000);
    expect(row.error).toContain("no heartbeat");
    // And a failed recording can be deleted (a processing one could not).
    await library.remove(host, stopped.id, TEST_CLIENT);
    expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } })).status).toBe("deleted");
  }, 30_000);

  it.skipIf(!hasFfmpeg)(
    "a layout chosen after the movie was made composites the movie again with it",
    async () => {
      const stopped = await stoppedRecording(stack, host, path.join(dataDir, "recordings"), 2);
      await backend.pipeline.enqueue(stopped.id);
      const first = await untilRecordingStatus(stack.db, stopped.id, "ready", 60_000);
      const view = await backend.library.update(host, stopped.id, { layout: "active-speaker" }, TEST_CLIENT);
      expect(view.status).not.toBe("ready");
      const again = await untilRecordingStatus(stack.db, stopped.id, "ready", 60_000);
      expect(again.layout).toBe("active-speaker");
      expect(again.readyAt!.getTime()).toBeGreaterThan(first.readyAt!.getTime());
    },
    150_000,
  );

  it.skipIf(!hasFfmpeg)(
    "a movie that cannot be made again with a new layout leaves the earlier movie ready, with its layout and the reason",
    async () => {
      const stopped = await stoppedRecording(stack, host, path.join(dataDir, "recordings"), 2);
      await backend.pipeline.enqueue(stopped.id);
      const first = await untilRecordingStatus(stack.db, stopped.id, "ready", 60_000);
      expect(first.layout).toBe("grid");
      const movie = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: first.movieKey! }));
      // The raw tracks are gone (a lost disk): the new layout cannot be composited, and nothing else holds them.
      rmSync(path.join(dataDir, "recordings", stopped.id), { recursive: true, force: true });
      await backend.library.update(host, stopped.id, { layout: "active-speaker" }, TEST_CLIENT);
      const after = await untilRecordingStatus(stack.db, stopped.id, "ready", 60_000, (r) => r.error !== null);
      expect(after.layout).toBe("grid");
      expect(after.error).toMatch(/could not be made again with the new layout .*the grid movie made before is kept/);
      expect(after.movieKey).toBe(first.movieKey);
      const still = await store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: first.movieKey! }));
      expect(still.ETag).toBe(movie.ETag);
      // Agents see it ready, with the reason beside it.
      const view = await backend.library.get(host, stopped.id);
      expect(view).toMatchObject({ status: "ready", layout: "grid", error: after.error });
    },
    150_000,
  );
});
