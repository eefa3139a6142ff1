// The node capturing a recording dies: a process compositing a running recording live (the production
// LiveComposer, as a web node runs it) is SIGKILLed mid-recording and its raw folder deleted. Another node's
// worker notices the recording's live index stopped changing, marks it interrupted and makes the movie from the
// windows that were stored: ready, playable, each participant's colour and tone in it, missing at most the
// window in progress (window length + 2 s).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import { liveWindowMs } from "@/lib/compositing/live";
import type { Identity } from "@/lib/realtime/identity";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { readLiveIndex } from "@/server/recordings/live/live-index";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { agentIdentity, probeMovie, S3_KEYS, startS3Server, untilRecordingStatus } from "@/tests/support/faults/recording-fixtures";
import { expectMovieContent, readMovieContent } from "@/tests/support/media/movie-content";
import { TWO_PERSON_MEDIA } from "@/tests/support/media/synthetic-recording";
import { jsonLine, startChild, type ChildHandle } from "@/tests/support/process-helpers";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger } from "@/tests/support/test-database";
import { TEST_CLIENT } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const BUCKET = "live-node-loss";
const LOST_SECONDS = 10;
const WINDOW_MS = liveWindowMs(6000, 25);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.skipIf(!hasFfmpeg)("a node lost mid-recording", () => {
  let dir: string;
  let stack: RealtimeStack;
  let s3: { endpoint: string; close(): Promise<void> };
  let store: ObjectStore;
  let other: RecordingBackend;
  let host: Identity;
  let node: ChildHandle | undefined;
  const recordingsDir = () => path.join(dir, "recordings");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-node-loss-"));
    stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
    host = await agentIdentity(stack.db);
    s3 = await startS3Server({ port: 4620, directory: path.join(dir, "s3"), bucket: BUCKET });
    store = await openObjectStore({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: BUCKET,
      ...S3_KEYS,
      forcePathStyle: true,
      embeddedDir: "",
      embeddedPort: 0,
    });
    // The node that survives: runs the compositing worker, with its own (empty) recordings folder.
    other = await startRecordingBackend(
      parseEnv({
        DATA_DIR: path.join(dir, "other"),
        RECORDER_DIR: path.join(dir, "other", "recordings"),
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: BUCKET,
        S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
        S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
        AUTH_SECRET: "w".repeat(48),
        COMPOSE_WIDTH: "640",
        COMPOSE_HEIGHT: "360",
        COMPOSE_RETRY_DELAY_SECONDS: "1",
        JOBS_POLL_INTERVAL_SECONDS: "0.5",
        LIVE_LOST_SECONDS: String(LOST_SECONDS),
        RECORDING_RETENTION_DAYS: "0",
      }),
      { db: stack.db, storage: store, logger: silentLogger, authSecret: "w".repeat(48) } as unknown as CoreServices,
      { runWorker: true, logger: silentLogger },
    );
  }, 60_000);

  afterAll(async () => {
    node?.kill("SIGKILL");
    await other?.close();
    await stack?.close();
    await store?.close();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("SIGKILL and raw files gone: finished elsewhere from the stored windows, interrupted, playable; a layout change re-composites from the raw chunks it streamed", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    expect(rec.status).toBe("recording");
    const startMs = rec.startedAt!.getTime();
    node = startChild(
      "live-node",
      process.execPath,
      [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "tests/support/live/live-node.ts"],
      {
        cwd: ROOT,
        env: {
          NODE_ENV: "test",
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          LIVE_NODE: JSON.stringify({
            recordingsDir: recordingsDir(),
            recordingId: rec.id,
            startMs,
            seconds: 60,
            endpoint: s3.endpoint,
            bucket: BUCKET,
            ...S3_KEYS,
            workDir: path.join(dir, "node-work"),
            windowMs: WINDOW_MS,
            rawTracks: true,
          }),
        },
      },
    );
    await node.waitForLine((l) => jsonLine(l)?.msg === "following", 30_000);

    // The node stores windows as they close; kill it once a few are stored.
    const until = Date.now() + 60_000;
    let stored = 0;
    let chunks = 0;
    while ((stored < 3 || chunks === 0) && Date.now() < until) {
      stored = (await readLiveIndex(store, rec.id))?.segments.length ?? 0;
      chunks =
        (await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `recordings/${rec.id}/raw-chunks/` }))).KeyCount ?? 0;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stored).toBeGreaterThanOrEqual(3);
    // And a pass of the raw files has been streamed (every 5 s), so there is something to re-composite from.
    expect(chunks).toBeGreaterThan(0);
    node.kill("SIGKILL");
    const killedAt = Date.now();
    expect((await node.exited).signal).toBe("SIGKILL");
    rmSync(path.join(recordingsDir(), rec.id), { recursive: true, force: true });
    const index = (await readLiveIndex(store, rec.id))!;
    expect(index.ended).toBe(false);
    const storedSeconds = index.segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000;

    // Nobody stopped it: the other node's worker decides it is lost once its heartbeat is LOST_SECONDS old.
    const interrupted = await untilRecordingStatus(stack.db, rec.id, "interrupted", 60_000).catch(() => null);
    const row = await untilRecordingStatus(stack.db, rec.id, "ready", 90_000);
    expect(interrupted?.stoppedAt ?? row.stoppedAt).toBeTruthy();
    // Stopped where its heartbeat stopped, shortly before the kill.
    expect(killedAt - row.stoppedAt!.getTime()).toBeLessThan(8000);

    const object = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: row.movieKey! }));
    const movie = path.join(dir, "salvaged.mp4");
    writeFileSync(movie, await object.Body!.transformToByteArray());
    const probe = probeMovie(movie);
    expect(probe.streams).toMatch(/h264/);
    expect(probe.streams).toMatch(/aac/);
    expect(probe.decodeErrors).toBe("");
    expect(Math.abs(probe.seconds - storedSeconds)).toBeLessThan(0.2);
    // Missing at most the window in progress.
    const capturedSeconds = (killedAt - startMs) / 1000;
    console.log(`node lost after ${capturedSeconds.toFixed(1)} s of recording; the movie has ${probe.seconds.toFixed(2)} s`);
    expect(capturedSeconds - probe.seconds).toBeLessThanOrEqual(WINDOW_MS / 1000 + 2 + 1.5);
    expectMovieContent(movie, TWO_PERSON_MEDIA);

    // UPLOAD_RAW_TRACKS: the node streamed its raw files while it ran, so a full re-composite still works with its
    // disk gone (a layout change after the fact: the stored windows are of the old layout, and no recorder has them).
    await other.library.update(host, rec.id, { layout: "active-speaker" }, TEST_CLIENT);
    const again = await untilRecordingStatus(stack.db, rec.id, "ready", 120_000, (r) => r.readyAt! > row.readyAt!);
    const recomposed = path.join(dir, "recomposed.mp4");
    const second = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: again.movieKey! }));
    writeFileSync(recomposed, await second.Body!.transformToByteArray());
    const probe2 = probeMovie(recomposed);
    expect(probe2.decodeErrors).toBe("");
    // Everything up to where the recording stopped (the stored windows stopped short of it by the window in progress).
    expect(probe2.seconds).toBeGreaterThanOrEqual(probe.seconds - 0.1);
    expect(Math.abs(probe2.seconds - (again.stoppedAt!.getTime() - startMs) / 1000)).toBeLessThan(0.5);
    // Both people's tones throughout; the picture is the new layout's: one speaker fills the frame.
    const content = readMovieContent(recomposed, TWO_PERSON_MEDIA);
    for (const t of content.tones) expect(t.secondsWithTone, t.label).toBeGreaterThan(0.7 * t.seconds);
    expect(content.tiles.filter((t) => t.tile !== -1).length).toBe(1);
    // The windows of the old layout are gone with it: no playlist plays a movie other than the one that is ready.
    expect(await readLiveIndex(store, rec.id)).toBeNull();
  }, 300_000);
});
