// The movie uploaded while recording: windows rendered by the production LiveRecording are uploaded as parts while
// the "call" runs, and completing at Stop leaves in storage exactly the bytes the app's own faststart writer makes
// from the fragments file (with the same header padding), a faststart H.264 + AAC movie that decodes. Against the
// embedded S3 server and Azurite; a part that keeps failing abandons the streamed movie and leaves no object.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKeys } from "@/lib/compositing/live";
import { createLogger } from "@/server/platform/logger";
import { openStorage } from "@/server/platform/object-store";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { isFastStart } from "@/server/recordings/compose/ffprobe";
import { writeFaststartMovie } from "@/server/recordings/live/faststart-movie";
import { basisOf, livePrefix } from "@/server/recordings/live/live-index";
import { LiveMovieUpload } from "@/server/recordings/live/live-movie-upload";
import { liveMovieAtStop } from "@/server/recordings/live/streamed-live-movie";
import type { LiveRecording } from "@/server/recordings/live/live-recording";
import { type Azurite, startAzurite } from "@/tests/support/azurite";
import { renderLiveWindows } from "@/tests/support/live/live-windows";
import { T0, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

const SECONDS = 14;
const KB = 1024;
// Small parts so a short recording spans several (the embedded server and Azurite do not enforce S3's 5 MiB).
const SMALL = { partBytes: 32 * KB, headerBytes: 16 * KB };
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", maxBuffer: 1 << 26 });

function expectPlayableMovie(file: string) {
  const info = JSON.parse(run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "json", file])) as {
    streams: { codec_name: string }[];
    format: { duration: string };
  };
  expect(info.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
  expect(Math.abs(Number(info.format.duration) - SECONDS)).toBeLessThanOrEqual(0.04);
  expect(run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"])).toBe("");
}

describe("movie uploaded while recording", () => {
  let dir: string;
  let s3: ObjectStorage;
  let azurite: Azurite;
  let azure: ObjectStorage;
  let live: LiveRecording;
  /** The stored windows, as LiveRecording stored them: the init, then each window's media. */
  let windows: Buffer[];
  const expected = (name: string, minBytes?: number) => {
    const file = path.join(dir, name);
    return writeFaststartMovie(live.localFragments, file, { minBytes }).then(() => readFileSync(file));
  };
  /** The same windows fed to another upload, in order. */
  const replay = (storage: ObjectStorage, key: string, o: Partial<ConstructorParameters<typeof LiveMovieUpload>[0]> = {}) => {
    const upload = new LiveMovieUpload({ storage, key, logger: createLogger("silent"), ...o });
    for (const [i, w] of windows.slice(1).entries()) upload.add(i === 0 ? windows[0]! : null, w);
    return upload;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-movie-upload-"));
    s3 = await openStorage({
      backend: "s3",
      s3: { region: "us-east-1", bucket: "live", forcePathStyle: true, embeddedDir: path.join(dir, "s3"), embeddedPort: 0 },
    });
    azurite = await startAzurite();
    azure = await openStorage({ backend: "azure", azure: { connectionString: azurite.connectionString, container: "live" } });
    writeTwoPersonRecording(path.join(dir, "two"), SECONDS);
    let uploadedWhileRunning = 0;
    ({ live } = await renderLiveWindows({
      dir,
      storage: s3,
      recordingId: "two",
      seconds: SECONDS,
      streamMovie: SMALL,
      beforeStop: async (l) => {
        // Let the background part uploads land: what is in storage before Stop.
        await new Promise((r) => setTimeout(r, 500));
        uploadedWhileRunning = l.movie!.uploadedBytes;
      },
    }));
    const keys = [liveKeys.init, ...live.segments.map((w) => liveKeys.segment(w.index))];
    windows = await Promise.all(keys.map((k) => s3.getBytes(livePrefix("two") + k)));
    expect(Buffer.concat(windows).equals(readFileSync(live.localFragments))).toBe(true);
    expect(uploadedWhileRunning).toBeGreaterThan(2 * SMALL.partBytes);
  }, 240_000);

  afterAll(async () => {
    await s3?.close();
    await azure?.close();
    await azurite?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("completes at Stop into the faststart writer's movie, byte for byte, on S3 (parts while recording)", async () => {
    const done = await live.movie!.complete();
    expect(done).toMatchObject({ key: "recordings/two/movie.mp4", segments: live.segments.length });
    expect(done!.atStop.bytes).toBeLessThan(SMALL.partBytes + SMALL.headerBytes + 1);
    const stored = await s3.getBytes(done!.key);
    expect(stored.length).toBe(done!.bytes);
    expect(stored.equals(await expected("padded.mp4", SMALL.headerBytes))).toBe(true);
    // Never taken by the upload sink for a confirmed copy of a local file (a re-composite replaces it).
    expect((await s3.head(done!.key))?.metadata["source-size"]).toBeUndefined();
    const file = path.join(dir, "streamed.mp4");
    writeFileSync(file, stored);
    expect(await isFastStart(file), "moov before mdat").toBe(true);
    expectPlayableMovie(file);
  }, 120_000);

  it("is the same movie on Azure Blob Storage (Azurite)", async () => {
    const done = await replay(azure, "recordings/two/movie.mp4", SMALL).complete();
    expect(done?.atStop.headerPartMs).toBeGreaterThan(0);
    expect((await azure.getBytes("recordings/two/movie.mp4")).equals(await expected("padded.mp4", SMALL.headerBytes))).toBe(true);
    expect(await azure.head("recordings/two/movie.mp4")).toMatchObject({ contentType: "video/mp4", metadata: { origin: "live-stream" } });
  }, 60_000);

  it("under one part: one put of the movie, unpadded, exactly the faststart writer's", async () => {
    const done = await replay(s3, "short/movie.mp4").complete();
    expect(done?.atStop).toMatchObject({ headerPartMs: 0, completeMs: 0 });
    expect((await s3.getBytes("short/movie.mp4")).equals(await expected("plain.mp4"))).toBe(true);
  }, 60_000);

  it("abandons the streamed movie when a part keeps failing: no object, and complete says to upload it at Stop", async () => {
    let failing = 0;
    // The real store, with every third part refused as a 503 (what a struggling S3 answers).
    const flaky: ObjectStorage = Object.create(s3, {
      startMultipart: {
        value: async (key: string, opts: object) => {
          const upload = await s3.startMultipart(key, opts);
          return {
            key,
            uploadPart: async (n: number, body: Buffer) => {
              if (n === 3) {
                failing++;
                throw Object.assign(new Error("slow down"), { $metadata: { httpStatusCode: 503 } });
              }
              await upload.uploadPart(n, body);
            },
            complete: () => upload.complete(),
            abort: () => upload.abort(),
          };
        },
      },
    });
    const upload = replay(flaky, "failing/movie.mp4", { ...SMALL, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    expect(await upload.complete()).toBeNull();
    expect(failing).toBe(3);
    expect(upload.state).toBe("abandoned");
    expect(await s3.head("failing/movie.mp4")).toBeNull();
    expect(await s3.list("failing/")).toEqual([]);
  }, 60_000);

  it("aborts: the parts uploaded so far leave no object", async () => {
    const upload = replay(s3, "aborted/movie.mp4", SMALL);
    await new Promise((r) => setTimeout(r, 300));
    expect(upload.uploadedBytes).toBeGreaterThan(0);
    await upload.abort();
    expect(await upload.complete()).toBeNull();
    expect(await s3.head("aborted/movie.mp4")).toBeNull();
  }, 60_000);

  it("at Stop the job completes a stream that covers the windows, and writes the movie when it was abandoned", async () => {
    const basis = basisOf({
      spans: [{ fromMs: T0, toMs: T0 + SECONDS * 1000 }],
      layout: "grid",
      layoutChanges: [],
      output: { width: 1280, height: 720 },
    });
    const atStop = (upload: LiveMovieUpload, name: string) =>
      liveMovieAtStop({
        storage: s3,
        recordingId: "two",
        basis,
        outFile: path.join(dir, name, "movie.mp4"),
        posterFile: path.join(dir, name, "poster.jpg"),
        movieKey: upload.key,
        live: {
          localFragments: () => ({ file: live.localFragments, segments: live.segments.length }),
          streamedMovie: () => ({ key: upload.key, segments: upload.segments, complete: () => upload.complete() }),
        },
      });
    const streamed = await atStop(replay(s3, "recordings/two/movie.mp4", SMALL), "streamed");
    expect(streamed?.streamed).toMatchObject({ key: "recordings/two/movie.mp4", size: (await s3.head("recordings/two/movie.mp4"))?.size });
    expect(streamed?.durationMs).toBe(SECONDS * 1000);
    expect(
      run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path.join(dir, "streamed", "poster.jpg")]),
    ).toMatch(/mjpeg/);

    const abandoned = replay(s3, "recordings/two/movie.mp4", SMALL);
    await abandoned.abort();
    const written = await atStop(abandoned, "written");
    expect(written?.streamed).toBeUndefined();
    expect(readFileSync(path.join(dir, "written", "movie.mp4")).equals(await expected("plain.mp4"))).toBe(true);
  }, 60_000);
});
