// A recording with a pause, a join, a leave, consent lines and a layout change, composited for real (ffmpeg, the
// database, pg-boss, the embedded S3 server): chapters.vtt is stored beside the movie with every event at its place
// in the MOVIE's time (the pause cut out), is rewritten by a re-composite after a layout change, is served with the
// movie's authorization, and goes when the recording is deleted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import { parseWebVttChapters } from "@/lib/compositing/webvtt";
import type { Identity } from "@/lib/realtime/identity";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { SyntheticRecording, T0, TWO_PERSON_MEDIA, writeCameraPerson } from "@/tests/support/media/synthetic-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, TEST_CLIENT, testDatabaseMode } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const BUCKET = "chapters-test";

describe.skipIf(!hasFfmpeg)(`recording chapters stored with the movie (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let dataDir: string;
  let store: ObjectStore;
  let backend: RecordingBackend;
  let host: Identity;
  let other: Identity;
  const recordingsDir = () => path.join(dataDir, "recordings");

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-chapters-"));
    stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
    const [a1, a2] = await Promise.all(
      ["agent1", "agent2"].map((username) => stack.db.prisma.agent.findUniqueOrThrow({ where: { username } })),
    );
    host = { kind: "agent", id: a1!.id, username: "agent1", name: a1!.displayName, role: "agent" };
    other = { kind: "agent", id: a2!.id, username: "agent2", name: a2!.displayName, role: "agent" };
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
      COMPOSE_WIDTH: "320",
      COMPOSE_HEIGHT: "180",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      DATABASE_URL: process.env.DATABASE_URL,
    });
    const core = { db: stack.db, storage: store, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices;
    backend = await startRecordingBackend(env, core, { runWorker: true, logger: silentLogger });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await store?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function untilReady(id: string, after?: Date) {
    const until = Date.now() + 90_000;
    for (;;) {
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id } });
      if (row.status === "ready" && (!after || row.readyAt! > after)) return row;
      if (Date.now() > until) throw new Error(`recording ${id} is ${row.status} (${row.error ?? ""})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const storedChapters = async (id: string) => {
    const object = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `recordings/${id}/chapters.vtt` }));
    return { contentType: object.ContentType, text: await object.Body!.transformToString() };
  };
  const listed = async (id: string) =>
    ((await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `recordings/${id}/` }))).Contents ?? []).map((c) => c.Key);

  it("stores chapters.vtt in movie time, rewrites it on a re-composite, serves it like the movie, deletes it with the recording", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    // Wall clock from T0: ANN 0-10 s; BEN agrees at 1.2 s, is there 2-7 s; CAT declines at 8 s; paused 4-6 s.
    const m = new SyntheticRecording();
    const dir = path.join(recordingsDir(), rec.id);
    writeCameraPerson(m, dir, TWO_PERSON_MEDIA[0]!, 10, 0);
    m.consent("visitor:ben", "BEN", "given", 1_200);
    writeCameraPerson(m, dir, TWO_PERSON_MEDIA[1]!, 5, 2_000);
    m.consent("visitor:cat", "Cat & <Co>", "declined", 8_000);
    m.writeManifest(dir);
    const stopped = await stack.desk.recordings.stop(host, mp.id);
    await stack.db.prisma.recording.update({
      where: { id: rec.id },
      data: {
        spans: [
          { from: new Date(T0).toISOString(), to: new Date(T0 + 4_000).toISOString() },
          { from: new Date(T0 + 6_000).toISOString(), to: new Date(T0 + 10_000).toISOString() },
        ],
        // Chosen while recording, at 9 s wall clock: 7 s into the movie.
        layoutChanges: [{ atMs: T0 + 9_000, layout: "active-speaker" }],
      },
    });
    await backend.onChange(stopped);
    const row = await untilReady(rec.id);
    expect(Math.abs(row.durationMs! - 8_000)).toBeLessThan(300);

    const first = await storedChapters(rec.id);
    expect(first.contentType).toBe("text/vtt");
    expect(first.text).toMatch(/^WEBVTT\n/);
    expect(first.text).toContain("Cat &amp; &lt;Co&gt; declined to be recorded");
    const chapters = parseWebVttChapters(first.text);
    expect(chapters.map((c) => [c.startMs, c.title])).toEqual([
      [0, "Recording started · ANN joined"],
      [1_200, "BEN agreed to be recorded"],
      [2_000, "BEN joined"],
      [4_000, "Recording paused · Recording resumed"],
      [5_000, "BEN left"],
      [6_000, "Cat & <Co> declined to be recorded"],
      [7_000, "Layout: active speaker"],
    ]);
    expect(chapters.at(-1)!.endMs).toBe(row.durationMs);

    // Served through the app to whoever may see the movie; another agent (RECORDINGS_VISIBLE_TO=handled) gets 404.
    const served = await backend.library.chapters(host, rec.id);
    expect(served.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    expect(await served.text()).toBe(first.text);
    await expect(backend.library.chapters(other, rec.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const visitor = { kind: "visitor", id: "v1", name: "V" } as unknown as Identity;
    await expect(backend.library.chapters(visitor, rec.id)).rejects.toMatchObject({ code: "FORBIDDEN" });

    // The layout changed after the fact: the whole movie is active speaker now, so no layout chapter any more.
    const before = (await store.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `recordings/${rec.id}/chapters.vtt` })))
      .LastModified!;
    await new Promise((r) => setTimeout(r, 1_100)); // LastModified has whole seconds
    const changedAt = new Date();
    // The library queues the re-composite itself.
    await backend.library.update(host, rec.id, { layout: "active-speaker" }, TEST_CLIENT);
    await untilReady(rec.id, changedAt);
    const second = await storedChapters(rec.id);
    expect(parseWebVttChapters(second.text).map((c) => c.title)).not.toContain("Layout: active speaker");
    expect(parseWebVttChapters(second.text)).toHaveLength(6);
    const after = (await store.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `recordings/${rec.id}/chapters.vtt` })))
      .LastModified!;
    expect(after.getTime()).toBeGreaterThan(before.getTime());

    expect(await listed(rec.id)).toContain(`recordings/${rec.id}/chapters.vtt`);
    await backend.library.remove(host, rec.id, TEST_CLIENT);
    expect(await listed(rec.id)).toEqual([]);
  }, 180_000);
});
