// From Stop to a stored movie, with the real parts: the database (PGlite or PostgreSQL), pg-boss, ffmpeg
// and the embedded S3 server. Faults: ffmpeg killed mid-job and S3 down during the upload both end in a
// ready recording, with nothing deleted meanwhile; retention removes the objects and says so.
import { execFileSync, spawnSync } from "node:child_process";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer } from "node:net";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { createRecorderControl, issueControlToken } from "@/recorder/control";
import { isFastStart } from "@/server/recordings/compose/ffprobe";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { verifyWebhook } from "@/server/recordings/webhooks/signature";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { T0, TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const BUCKET = "pipeline-test";
const SECONDS = 6;
const WEBHOOK_SECRET = "w".repeat(40);
const RECORDER_SECRET = "s".repeat(40);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!hasFfmpeg)(`recording pipeline: compose, upload, ready, retention (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let dataDir: string;
  let s3dir: string;
  let port: number;
  let store: ObjectStore | null = null;
  let backend: RecordingBackend;
  let host: Identity;
  const published: { id: string; status: string; progress: number | null }[] = [];
  const webhooks: { event: string; verified: boolean; recordingId: string }[] = [];
  let receiver: Server;
  const openStore = async () =>
    (store = await openObjectStore({ region: "us-east-1", bucket: BUCKET, forcePathStyle: true, embeddedDir: s3dir, embeddedPort: port }));

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-pipeline-"));
    s3dir = path.join(dataDir, "s3");
    port = await freePort();
    stack = await startRealtimeStack({ recordingsDir: path.join(dataDir, "recordings") });
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
    await openStore();
    // A webhook receiver that checks every signature.
    receiver = createHttpServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const verdict = verifyWebhook(WEBHOOK_SECRET, body, {
          timestamp: req.headers["x-vhd-timestamp"] as string,
          signature: req.headers["x-vhd-signature"] as string,
        });
        const parsed = JSON.parse(body) as { event: string; data: { recordingId: string } };
        webhooks.push({ event: parsed.event, verified: verdict.ok, recordingId: parsed.data.recordingId });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const env = parseEnv({
      WEBHOOK_URLS: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`,
      WEBHOOK_SECRET,
      DATA_DIR: dataDir,
      RECORDER_DIR: path.join(dataDir, "recordings"),
      COMPOSE_WIDTH: "640",
      COMPOSE_HEIGHT: "360",
      COMPOSE_RETRY_DELAY_SECONDS: "1",
      COMPOSE_RETRY_LIMIT: "4",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      RECORDING_RETENTION_DAYS: "3",
      DATABASE_URL: process.env.DATABASE_URL,
      RECORDER_SECRET,
    });
    // The client keeps working across the S3 restart below (the embedded server keeps accepting its keys).
    const core = { db: stack.db, storage: store!, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices;
    backend = await startRecordingBackend(env, core, {
      runWorker: true,
      logger: silentLogger,
      publish: (v) => published.push({ id: v.id, status: v.status, progress: v.progress }),
    });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    receiver?.close();
    await store?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A stopped recording whose raw files are two participants' synthetic tracks (by default on this host). */
  async function stoppedRecording(
    elsewhere?: { recordingsDir: string; destination: string },
    damage?: (dir: string) => void,
  ): Promise<string> {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    const dir = path.join(elsewhere?.recordingsDir ?? path.join(dataDir, "recordings"), rec.id);
    writeTwoPersonRecording(dir, SECONDS);
    damage?.(dir);
    // Stop through the service, as the console does; its change notification queues the job.
    const stopped = await stack.desk.recordings.stop(host, mp.id);
    // The synthetic media lives at T0 (2023): the recording's span is moved there.
    await stack.db.prisma.recording.update({
      where: { id: rec.id },
      data: {
        spans: [{ from: new Date(T0).toISOString(), to: new Date(T0 + SECONDS * 1000).toISOString() }],
        destination: elsewhere?.destination,
      },
    });
    await backend.onChange(stopped);
    return rec.id;
  }

  async function untilStatus(id: string, status: string, timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id } });
      if (row.status === status) return row;
      if (Date.now() > until) throw new Error(`recording ${id} is ${row.status} (${row.error ?? ""}), not ${status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The stored movie, downloaded from S3 into the data folder. */
  async function downloadMovie(movieKey: string): Promise<string> {
    const file = path.join(dataDir, `${path.basename(path.dirname(movieKey))}.mp4`);
    const body = await (await store!.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: movieKey }))).Body!.transformToByteArray();
    writeFileSync(file, body);
    return file;
  }

  const listed = async (prefix: string) => {
    const out = await store!.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return Object.fromEntries((out.Contents ?? []).map((c) => [c.Key!, c.Size!]));
  };

  it("composes a stopped recording into an H.264/AAC faststart movie in S3, reports progress, and rerunning does not duplicate", async () => {
    const id = await stoppedRecording();
    const row = await untilStatus(id, "ready");
    expect(row).toMatchObject({
      movieKey: `recordings/${id}/movie.mp4`,
      posterKey: `recordings/${id}/poster.jpg`,
      progress: null,
      error: null,
    });
    expect(Math.abs(row.durationMs! - SECONDS * 1000)).toBeLessThan(500);
    expect(row.expiresAt!.getTime() - row.readyAt!.getTime()).toBe(3 * 86_400_000);
    const objects = await listed(`recordings/${id}/`);
    expect(Object.keys(objects).sort()).toEqual([
      `recordings/${id}/chapters.vtt`,
      `recordings/${id}/movie.mp4`,
      `recordings/${id}/poster.jpg`,
    ]);
    expect(objects[`recordings/${id}/movie.mp4`]).toBe(Number(row.movieBytes));
    expect(published.some((p) => p.id === id && p.status === "processing" && (p.progress ?? 0) > 0)).toBe(true);

    const file = await downloadMovie(row.movieKey!);
    // Each participant's colour in its own tile, each one's tone in the audio.
    expectMovieContent(file, TWO_PERSON_MEDIA);
    const probe = execFileSync(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "csv=p=0", file],
      { encoding: "utf8" },
    );
    expect(probe).toMatch(/h264,640,360/);
    expect(probe).toMatch(/aac,48000/);
    expect(await isFastStart(file)).toBe(true);
    expect(existsSync(path.join(dataDir, "processing", id))).toBe(false); // scratch removed once confirmed
    // Signed webhooks: stopped, then ready.
    await expect
      .poll(() => webhooks.filter((w) => w.recordingId === id).map((w) => w.event), { timeout: 20_000 })
      .toEqual(["recording.stopped", "recording.ready"]);
    expect(webhooks.every((w) => w.verified)).toBe(true);

    // A rerun (e.g. a retried job after a crash) composes to the same keys: still exactly three objects.
    await stack.db.prisma.recording.update({ where: { id }, data: { status: "stopped" } });
    await backend.pipeline.enqueue(id);
    await untilStatus(id, "processing", 20_000).catch(() => undefined);
    await untilStatus(id, "ready");
    expect(Object.keys(await listed(`recordings/${id}/`))).toHaveLength(3);
  }, 120_000);

  it("raw files on another host: the worker fetches them from the recorder that captured them", async () => {
    const otherHost = path.join(dataDir, "other-host");
    const control = createRecorderControl({ secret: RECORDER_SECRET, directory: otherHost });
    const recorder = createHttpServer((req, res) => void control(req, res).then((handled) => handled || res.writeHead(404).end()));
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(recorder.address() as { port: number }).port}`;
      const id = await stoppedRecording({ recordingsDir: otherHost, destination: `${base}/whip` });
      expect(existsSync(path.join(dataDir, "recordings", id, "manifest.jsonl"))).toBe(false);
      const row = await untilStatus(id, "ready");
      expect(Math.abs(row.durationMs! - SECONDS * 1000)).toBeLessThan(500);
      // Fetched media, not name tiles and silence (what a listing that skipped `agent:` folders produced).
      expectMovieContent(await downloadMovie(row.movieKey!), TWO_PERSON_MEDIA);
      // The raw files are only readable with a control token, and only inside the recording's folder.
      expect((await fetch(`${base}/recordings/${id}/files`)).status).toBe(401);
      const token = issueControlToken(RECORDER_SECRET, id, 60);
      const get = (p: string) => fetch(`${base}/recordings/${id}/files/${p}`, { headers: { Authorization: `Bearer ${token}` } });
      expect((await get("manifest.jsonl")).status).toBe(200);
      // Participant folders are named by participant id (`agent:<id>`): their tracks are listed, so the worker fetched them.
      const listing = (await (await fetch(`${base}/recordings/${id}/files`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
        files: { path: string }[];
      };
      expect(listing.files.map((f) => f.path)).toEqual(
        expect.arrayContaining(["agent:ann/ann/track0-video.webm", "agent:ben/ben/track1-audio.webm"]),
      );
      expect((await get("..%2F..%2Fetc%2Fpasswd")).status).toBe(400);
      // fetch folds "%2e%2e" into ".." and drops a segment: the URL then names no file route at all.
      expect((await get("%2e%2e/x")).status).toBe(404);
      expect(
        (
          await fetch(`${base}/recordings/${id}/files/manifest.jsonl`, {
            headers: { Authorization: `Bearer ${issueControlToken(RECORDER_SECRET, "other", 60)}` },
          })
        ).status,
      ).toBe(403);
    } finally {
      recorder.close();
    }
  }, 120_000);

  it("a track file the manifest names is missing: retried, then failed with the file named; never a ready movie without it", async () => {
    const id = await stoppedRecording(undefined, (dir) => rmSync(path.join(dir, "agent:ben/ben/track1-audio.webm")));
    const row = await untilStatus(id, "failed", 90_000);
    expect(row.error).toMatch(/missing or unreadable: agent:ben\/ben\/track1-audio\.webm/);
    expect(row.movieKey).toBeNull();
    expect(await listed(`recordings/${id}/`)).toEqual({});
    expect((await backend.pipeline.compose.latest(id))?.retryCount).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("raw files neither here nor at a named recorder: failed with what to do, not a blank ready movie", async () => {
    const id = await stoppedRecording(undefined, (dir) => rmSync(dir, { recursive: true, force: true }));
    const row = await untilStatus(id, "failed", 90_000);
    expect(row.error).toMatch(/not in this worker's RECORDER_DIR .* set NODE_URL on the web nodes/);
    expect(await listed(`recordings/${id}/`)).toEqual({});
  }, 120_000);

  it("a recording stopped at once, nobody having published, becomes a ready (blank) movie with a poster", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    await stack.desk.recordings.start(host, mp.id);
    // Stopped immediately: a movie of a frame or two, which ends before the usual poster instant.
    const stopped = await stack.desk.recordings.stop(host, mp.id);
    await backend.onChange(stopped);
    const until = Date.now() + 60_000;
    let row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } });
    while (!["ready", "failed"].includes(row.status) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } });
    }
    expect(row.status, row.error ?? "").toBe("ready");
    expect(Object.keys(await listed(`recordings/${stopped.id}/`)).sort()).toEqual([
      `recordings/${stopped.id}/chapters.vtt`,
      `recordings/${stopped.id}/movie.mp4`,
      `recordings/${stopped.id}/poster.jpg`,
    ]);
  }, 90_000);

  it("ffmpeg killed mid-job: the job is retried to success", async () => {
    const id = await stoppedRecording();
    await untilStatus(id, "processing", 20_000);
    // Kill the compositing ffmpeg of this recording as soon as it runs.
    const until = Date.now() + 20_000;
    let killed = false;
    while (!killed && Date.now() < until) {
      const pids = spawnSync("pgrep", ["-f", `processing/${id}`], { encoding: "utf8" })
        .stdout.trim()
        .split("\n")
        .filter(Boolean);
      for (const pid of pids) killed = spawnSync("kill", ["-9", pid]).status === 0 || killed;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(killed).toBe(true);
    const row = await untilStatus(id, "ready", 90_000);
    expect(row.movieKey).toBe(`recordings/${id}/movie.mp4`);
    const state = await backend.pipeline.compose.latest(id);
    expect(state?.retryCount).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it("S3 down during the upload: the job waits and retries, nothing is deleted meanwhile, and succeeds once S3 is back", async () => {
    await store!.close();
    const id = await stoppedRecording();
    // The movie is composed, then the upload fails while S3 is away; the scratch movie stays.
    const movie = path.join(dataDir, "processing", id, "movie.mp4");
    const until = Date.now() + 60_000;
    while (!existsSync(movie) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2500));
    expect(existsSync(movie)).toBe(true);
    expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id } })).status).not.toBe("ready");
    await openStore();
    const row = await untilStatus(id, "ready", 90_000);
    expect(Object.keys(await listed(`recordings/${id}/`))).toHaveLength(3);
    expect(row.movieBytes).toBeGreaterThan(0n);
  }, 150_000);

  it("worker in another process: web nodes without a worker still see processing progress and ready", async () => {
    // The running backend plays the worker; a second one without a worker plays a web node (WORKER_IN_PROCESS=false).
    const seen: { id: string; status: string }[] = [];
    const env = parseEnv({
      DATA_DIR: dataDir,
      RECORDER_DIR: path.join(dataDir, "recordings"),
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      DATABASE_URL: process.env.DATABASE_URL,
      RECORDER_SECRET,
    });
    const web = await startRecordingBackend(
      env,
      { db: stack.db, storage: store!, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices,
      {
        runWorker: false,
        logger: silentLogger,
        publish: (v) => seen.push({ id: v.id, status: v.status }),
      },
    );
    try {
      const id = await stoppedRecording();
      await untilStatus(id, "ready");
      await expect
        .poll(
          () =>
            seen
              .filter((v) => v.id === id)
              .map((v) => v.status)
              .at(-1),
          { timeout: 10_000 },
        )
        .toBe("ready");
      expect(seen.some((v) => v.id === id && v.status === "processing")).toBe(true);
    } finally {
      await web.close();
    }
  }, 120_000);

  it("retention: an expired recording's objects are gone from S3 and the record says expired; a kept one stays", async () => {
    const ready = await stack.db.prisma.recording.findMany({ where: { status: "ready" }, orderBy: { createdAt: "asc" } });
    expect(ready.length).toBeGreaterThanOrEqual(2);
    const [expired, kept] = ready;
    await stack.db.prisma.recording.update({ where: { id: expired!.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await stack.db.prisma.recording.update({ where: { id: kept!.id }, data: { expiresAt: new Date(Date.now() - 1000), keep: true } });
    const result = await backend.sweepNow();
    expect(result.expired.map((e) => e.id)).toEqual([expired!.id]);
    expect(await listed(`recordings/${expired!.id}/`)).toEqual({});
    expect(Object.keys(await listed(`recordings/${kept!.id}/`))).toHaveLength(3);
    expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: expired!.id } })).status).toBe("expired");
  }, 60_000);
});
