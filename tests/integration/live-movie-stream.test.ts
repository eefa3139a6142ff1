// Stop with the movie uploaded while recording, through the app's own wiring: the recording backend's live
// compositing renders a running recording (raw files written by the recorder's manifest writer) and streams the
// movie's bytes; at Stop the compose job completes that object instead of uploading a movie (it carries the
// stream's metadata, not the upload sink's), and the recording is ready with a playable movie. A layout change
// after the fact re-composites from the raw files and replaces the streamed object (not skipped because of it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { readLiveIndex } from "@/server/recordings/live/live-index";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { agentIdentity, probeMovie, untilRecordingStatus } from "@/tests/support/faults/recording-fixtures";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { T0, TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, TEST_CLIENT } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

describe.skipIf(!hasFfmpeg)("movie streamed while recording, completed at Stop", () => {
  let dir: string;
  let stack: RealtimeStack;
  let store: ObjectStore;
  let backend: RecordingBackend | undefined;
  let host: Identity;
  const recordingsDir = () => path.join(dir, "recordings");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-live-movie-"));
    stack = await startRealtimeStack({
      recordingsDir: recordingsDir(),
      // As the composition root wires it: every status change reaches the recording backend.
      recording: { onChange: (r) => void backend?.onChange(r) },
    });
    host = await agentIdentity(stack.db);
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "live-movie",
      forcePathStyle: true,
      embeddedDir: path.join(dir, "s3"),
      embeddedPort: 0,
    });
    backend = await startRecordingBackend(
      parseEnv({
        DATA_DIR: path.join(dir, "data"),
        RECORDER_DIR: recordingsDir(),
        AUTH_SECRET: "w".repeat(48),
        COMPOSE_WIDTH: "640",
        COMPOSE_HEIGHT: "360",
        COMPOSE_RETRY_DELAY_SECONDS: "1",
        JOBS_POLL_INTERVAL_SECONDS: "0.5",
        RECORDING_RETENTION_DAYS: "0",
      }),
      { db: stack.db, storage: store, logger: silentLogger, authSecret: "w".repeat(48) } as unknown as CoreServices,
      { runWorker: true, logger: silentLogger },
    );
  }, 60_000);

  afterAll(async () => {
    await backend?.close();
    await stack?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("completes the streamed movie at Stop: ready and playable without uploading the movie; a re-composite replaces it", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    const startMs = rec.startedAt!.getTime();
    writeTwoPersonRecording(path.join(recordingsDir(), rec.id), 40, startMs - T0);
    // The recorder's folder appears after the start: the backend follows the recording once it is there.
    await backend!.onChange(rec);
    expect(backend!.live?.isFollowing(rec.id)).toBe(true);
    const until = Date.now() + 60_000;
    while (((await readLiveIndex(store, rec.id))?.segments.length ?? 0) < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 250));

    const stoppedAt = Date.now();
    await stack.desk.recordings.stop(host, mp.id);
    const row = await untilRecordingStatus(stack.db, rec.id, "ready", 60_000);
    console.log(`Stop → ready ${((row.readyAt!.getTime() - stoppedAt) / 1000).toFixed(2)} s (streamed movie, ${row.movieBytes} bytes)`);

    // The object the stream made, not one the upload sink put (that one carries source-size).
    const head = await store.head(row.movieKey!);
    expect(head?.metadata).toEqual({ origin: "live-stream" });
    expect(head?.size).toBe(Number(row.movieBytes));
    expect(await store.exists(`recordings/${rec.id}/poster.jpg`)).toBe(true);
    const movie = path.join(dir, "streamed.mp4");
    writeFileSync(movie, await store.getBytes(row.movieKey!));
    const probe = probeMovie(movie);
    expect(probe.streams).toMatch(/h264/);
    expect(probe.streams).toMatch(/aac/);
    expect(probe.decodeErrors).toBe("");
    const seconds = (row.stoppedAt!.getTime() - startMs) / 1000;
    expect(Math.abs(probe.seconds - seconds)).toBeLessThan(0.5);
    expect(Math.abs(probe.seconds * 1000 - row.durationMs!)).toBeLessThan(100);
    expectMovieContent(movie, TWO_PERSON_MEDIA);

    // A layout change after the fact: composited from the raw files, uploaded over the streamed object.
    await backend!.library.update(host, rec.id, { layout: "active-speaker" }, TEST_CLIENT);
    const again = await untilRecordingStatus(stack.db, rec.id, "ready", 120_000, (r) => r.readyAt! > row.readyAt!);
    const replaced = await store.head(again.movieKey!);
    expect(replaced?.metadata["source-size"]).toBe(String(replaced?.size));
    expect(replaced?.metadata.origin).toBeUndefined();
    const recomposed = path.join(dir, "recomposed.mp4");
    writeFileSync(recomposed, await store.getBytes(again.movieKey!));
    expect(probeMovie(recomposed).decodeErrors).toBe("");
  }, 240_000);
});
