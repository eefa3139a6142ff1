// Deleting a recording removes everything it owns: the movie and poster, the raw tracks uploaded with
// UPLOAD_RAW_TRACKS, and the raw files on the recorder's disk (which the control API served after the delete and
// which filled the disk until new recordings got 507). Raw files of ready movies go after RAW_FILES_GRACE_HOURS.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { createRecorderControl, issueControlToken } from "@/recorder/control";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { sweepRawFiles } from "@/server/recordings/raw-files-sweep";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { T0, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";
import { TEST_CLIENT } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const BUCKET = "deletion-test";
const SECONDS = 3;
const SECRET = "d".repeat(40);
const HOUR = 3_600_000;

describe.skipIf(!hasFfmpeg)(`deleting a recording removes all it owns (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let dataDir: string;
  let store: ObjectStore;
  let backend: RecordingBackend;
  let host: Identity;
  const recordingsDir = () => path.join(dataDir, "recordings");

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-deletion-"));
    stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
    store = await openObjectStore({
      region: "us-east-1",
      bucket: BUCKET,
      forcePathStyle: true,
      embeddedDir: path.join(dataDir, "s3"),
      embeddedPort: 0,
    });
    const env = parseEnv({
      DATA_DIR: dataDir,
      RECORDER_DIR: recordingsDir(),
      RECORDER_SECRET: SECRET,
      UPLOAD_RAW_TRACKS: "true",
      RAW_FILES_GRACE_HOURS: "24",
      COMPOSE_WIDTH: "320",
      COMPOSE_HEIGHT: "180",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      DATABASE_URL: process.env.DATABASE_URL,
    });
    backend = await startRecordingBackend(
      env,
      { db: stack.db, storage: store, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices,
      {
        runWorker: true,
        logger: silentLogger,
      },
    );
  }, 60_000);

  afterAll(async () => {
    await backend?.close();
    await store?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const listed = async (prefix: string) =>
    ((await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((c) => c.Key!).sort();

  async function readyRecording(): Promise<string> {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    writeTwoPersonRecording(path.join(recordingsDir(), rec.id), SECONDS);
    const stopped = await stack.desk.recordings.stop(host, mp.id);
    await stack.db.prisma.recording.update({
      where: { id: rec.id },
      data: { spans: [{ from: new Date(T0).toISOString(), to: new Date(T0 + SECONDS * 1000).toISOString() }] },
    });
    await backend.onChange(stopped);
    const until = Date.now() + 60_000;
    for (;;) {
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } });
      if (row.status === "ready") return rec.id;
      if (Date.now() > until) throw new Error(`recording is ${row.status} (${row.error ?? ""})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it("delete: movie, poster, uploaded raw tracks and the local raw files are gone; the control API serves none", async () => {
    const id = await readyRecording();
    const stored = await listed(`recordings/${id}/`);
    expect(stored).toEqual(expect.arrayContaining([`recordings/${id}/movie.mp4`, `recordings/${id}/poster.jpg`]));
    expect(stored.filter((k) => k.includes("/raw/")).length).toBeGreaterThanOrEqual(4);

    await backend.library.remove(host, id, TEST_CLIENT);
    expect(await listed(`recordings/${id}/`)).toEqual([]);
    expect(existsSync(path.join(recordingsDir(), id))).toBe(false);
    const control = createRecorderControl({ secret: SECRET, directory: recordingsDir() });
    const server = createHttpServer((req, res) => void control(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/recordings/${id}/files`;
      const auth = { Authorization: `Bearer ${issueControlToken(SECRET, id, 60)}` };
      expect(await (await fetch(base, { headers: auth })).json()).toMatchObject({ files: [] });
      expect((await fetch(`${base}/agent:ann/ann/track0-video.webm`, { headers: auth })).status).toBe(404);
    } finally {
      server.close();
    }
  }, 90_000);

  it("raw files of a ready movie stay for the grace period (the layout may change), then go; failed ones stay", async () => {
    const id = await readyRecording();
    const states = (ids: string[]) => backend.library.store.rawFileStates(ids);
    const sweepAt = (offsetMs: number) =>
      sweepRawFiles({ directory: recordingsDir(), states, graceMs: 24 * HOUR, now: () => new Date(Date.now() + offsetMs) });
    expect(await sweepAt(23 * HOUR)).not.toContain(id);
    expect(existsSync(path.join(recordingsDir(), id, "manifest.jsonl"))).toBe(true);
    // A failed recording's raw files are what a retry needs.
    const failed = await readyRecording();
    await stack.db.prisma.recording.update({ where: { id: failed }, data: { status: "failed", readyAt: null } });
    const removed = await sweepAt(25 * HOUR);
    expect(removed).toContain(id);
    expect(removed).not.toContain(failed);
    expect(existsSync(path.join(recordingsDir(), id))).toBe(false);
    expect(existsSync(path.join(recordingsDir(), failed, "manifest.jsonl"))).toBe(true);
  }, 120_000);

  it("after the grace period a movie's layout can no longer change (its raw tracks are gone)", async () => {
    const id = await readyRecording();
    await expect(backend.library.update(host, id, { layout: "active-speaker" }, TEST_CLIENT)).resolves.toMatchObject({
      layout: "active-speaker",
    });
    await stack.db.prisma.recording.update({ where: { id }, data: { status: "ready", readyAt: new Date(Date.now() - 25 * HOUR) } });
    await expect(backend.library.update(host, id, { layout: "grid" }, TEST_CLIENT)).rejects.toMatchObject({
      message: expect.stringMatching(/RAW_FILES_GRACE_HOURS/),
    });
  }, 120_000);
});
