// Live compositing end to end below the app: a recording written by the recorder's own manifest writer is rendered
// window by window while "running" (the open span ends at the clock), finished at Stop, and the stored segments are
// assembled into the movie. Checked with ffprobe and by content: each participant's colour in their tile, their tone
// in the audio, and a continuous tone across every window join without a dip.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKeys, liveWindowMs, mediaPlaylist } from "@/lib/compositing/live";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { tryLiveMovie } from "@/server/recordings/live/assemble-live-movie";
import { basisOf, dropStaleLiveOutput, livePrefix, readLiveIndex } from "@/server/recordings/live/live-index";
import { manifestForChapters } from "@/server/recordings/compose/chapters-file";
import { isFastStart } from "@/server/recordings/compose/ffprobe";
import { renderLiveWindows } from "@/tests/support/live/live-windows";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import {
  makeAudio,
  makeVideo,
  SyntheticRecording,
  T0,
  TWO_PERSON_MEDIA,
  writeTwoPersonRecording,
} from "@/tests/support/media/synthetic-recording";

const OUTPUT = { width: 1280, height: 720 };

function probe(file: string) {
  return JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", file], {
      encoding: "utf8",
    }),
  ) as { streams: { codec_name: string; width?: number; height?: number }[]; format: { duration: string } };
}

/** Mono PCM of the movie's audio. */
function pcm(file: string): Float32Array {
  const raw = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-"], {
    maxBuffer: 1 << 28,
  });
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
}

async function runLive(o: { dir: string; store: ObjectStore; recordingId: string; seconds: number; windowMs: number; stepMs?: number }) {
  let whileRunning: Awaited<ReturnType<typeof readLiveIndex>> = null;
  const { live, rendered } = await renderLiveWindows({
    ...o,
    storage: o.store,
    output: OUTPUT,
    beforeStop: async () => {
      whileRunning = await readLiveIndex(o.store, o.recordingId);
    },
  });
  return {
    live,
    rendered,
    whileRunning: whileRunning as Awaited<ReturnType<typeof readLiveIndex>>,
    basis: basisOf({ spans: [{ fromMs: T0, toMs: T0 + o.seconds * 1000 }], layout: "grid", layoutChanges: [], output: OUTPUT }),
  };
}

describe("live compositing", () => {
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-live-"));
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "live",
      forcePathStyle: true,
      embeddedDir: path.join(dir, "s3"),
      embeddedPort: 0,
    });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores each closed window while running and assembles the movie from them at Stop", async () => {
    const seconds = 14;
    writeTwoPersonRecording(path.join(dir, "two"), seconds);
    const windowMs = liveWindowMs(6000, 25);
    expect(windowMs).toBe(5760);
    const { live, rendered, whileRunning, basis } = await runLive({ dir, store, recordingId: "two", seconds, windowMs });
    // While running, a window is rendered once it is closed (its end plus the settle margin is past): whole 320 ms
    // units, at least 1.92 s, at most the window length; at Stop the rest is one last window.
    expect(whileRunning?.ended).toBe(false);
    const running = whileRunning!.segments.map((s) => s.durationMs);
    expect(running.length).toBeGreaterThanOrEqual(3);
    for (const d of running) {
      expect(d % 320).toBe(0);
      expect(d).toBeGreaterThanOrEqual(1920);
      expect(d).toBeLessThanOrEqual(windowMs);
    }
    expect(rendered.at(-1)).toBe(running.length);
    // Rendered up to within the settle margin plus a window's minimum of the clock.
    expect(running.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(seconds * 1000 - 1000 - 1920 - 320);
    expect(live.segments.reduce((a, b) => a + b.durationMs, 0)).toBe(seconds * 1000);
    const index = await readLiveIndex(store, "two");
    expect(index?.ended).toBe(true);

    const init = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: livePrefix("two") + liveKeys.init }));
    expect(init.ContentType).toBe("video/mp4");
    // The init names its codecs fully (players build their decoder from it): H.264 High, AAC LC with its config.
    const initFile = path.join(dir, "init-and-first.mp4");
    const first = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: livePrefix("two") + liveKeys.segment(0) }));
    const initBytes = Buffer.from(await init.Body!.transformToByteArray());
    writeFileSync(initFile, Buffer.concat([initBytes, await first.Body!.transformToByteArray()]));
    const profiles = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,profile", "-of", "csv=p=0", initFile], {
      encoding: "utf8",
    });
    expect(profiles.trim().split("\n").sort()).toEqual(["aac,LC", "h264,High"]);
    const playlist = mediaPlaylist({
      segments: index!.segments,
      windowMs,
      ended: true,
      initUri: "init.mp4",
      segmentUri: (i) => `s${i}.m4s`,
    });
    expect(playlist).toContain("#EXT-X-ENDLIST");

    const movie = path.join(dir, "two-movie.mp4");
    const made = await tryLiveMovie({ storage: store, recordingId: "two", basis, outFile: movie, posterFile: `${movie}.jpg` });
    expect(made?.durationMs).toBe(seconds * 1000);
    const info = probe(movie);
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(info.streams.find((s) => s.codec_name === "h264")).toMatchObject({ width: 1280, height: 720 });
    expect(Math.abs(Number(info.format.duration) - seconds)).toBeLessThan(0.1);
    expect(await isFastStart(movie), "moov before mdat").toBe(true);
    expectMovieContent(movie, TWO_PERSON_MEDIA);

    // The node that rendered them keeps the same bytes in one local file, used instead of downloading them.
    const stored = [initBytes];
    for (const seg of index!.segments) {
      const got = await store.client.send(
        new GetObjectCommand({ Bucket: store.bucket, Key: livePrefix("two") + liveKeys.segment(seg.index) }),
      );
      stored.push(Buffer.from(await got.Body!.transformToByteArray()));
    }
    expect(readFileSync(live.localFragments).equals(Buffer.concat(stored))).toBe(true);
    const fromLocal = await tryLiveMovie({
      storage: store,
      recordingId: "two",
      basis,
      outFile: `${movie}.local.mp4`,
      posterFile: `${movie}.local.jpg`,
      local: { file: live.localFragments, segments: index!.segments.length },
    });
    expect(fromLocal?.durationMs).toBe(seconds * 1000);
    expectMovieContent(`${movie}.local.mp4`, TWO_PERSON_MEDIA);

    // The manifest is stored with the windows: a node without the raw files still makes the movie's chapters.
    const manifest = readFileSync(path.join(dir, "two", "manifest.jsonl"), "utf8");
    expect((await store.getBytes(livePrefix("two") + liveKeys.manifest)).toString("utf8")).toBe(manifest);
    const elsewhere = { recordingsDir: path.join(dir, "no-such-recorder"), recordingId: "two", storage: store };
    expect(await manifestForChapters(elsewhere)).toBe(manifest);
    expect(await manifestForChapters({ ...elsewhere, recordingsDir: dir })).toBe(manifest);

    // Segments of anything else (a layout changed since) are not taken for the movie.
    const other = await tryLiveMovie({
      storage: store,
      recordingId: "two",
      basis: "x",
      outFile: `${movie}.2.mp4`,
      posterFile: `${movie}.2.jpg`,
    });
    expect(other).toBeNull();
    // Made again from the raw files with another layout: the old live output goes (its playlist would play the old one).
    expect(await dropStaleLiveOutput(store, "two", basis)).toBe(false);
    expect(await readLiveIndex(store, "two")).not.toBeNull();
    expect(await dropStaleLiveOutput(store, "two", "x")).toBe(true);
    expect(await readLiveIndex(store, "two")).toBeNull();
  }, 180_000);

  it("catches up with the faster preset when windows wait behind each other, and the movie plays through every join", async () => {
    const seconds = 20;
    writeTwoPersonRecording(path.join(dir, "behind"), seconds);
    // The renderer looks only every 19 s: three windows are closed at once. The first is the configured preset (it
    // makes the init segment), the second has a whole window behind it (catch-up), the third does not.
    const { live, basis } = await runLive({ dir, store, recordingId: "behind", seconds, windowMs: 5760, stepMs: 19_000 });
    expect(live.windowsCaughtUp).toBe(1);
    const movie = path.join(dir, "behind-movie.mp4");
    const made = await tryLiveMovie({ storage: store, recordingId: "behind", basis, outFile: movie, posterFile: `${movie}.jpg` });
    expect(made?.durationMs).toBe(seconds * 1000);
    // Decoding the whole movie reports nothing: the catch-up window's parameter sets are the init segment's.
    const decodeErrors = execFileSync("ffmpeg", ["-v", "error", "-i", movie, "-f", "null", "-"], { encoding: "utf8", stdio: "pipe" });
    expect(decodeErrors).toBe("");
    expect(
      Number(
        execFileSync(
          "ffprobe",
          ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", movie],
          { encoding: "utf8" },
        ),
      ),
    ).toBe(seconds * 25);
    expectMovieContent(movie, TWO_PERSON_MEDIA);
  }, 180_000);

  it("renders the blank windows of a recording left running in an empty call once, and the movie stays whole", async () => {
    const seconds = 30;
    const rec = path.join(dir, "left");
    const m = new SyntheticRecording();
    m.session("ann", "agent:ann", "ANN", "camera", 0);
    const v = m.track("ann", "video", 0, 4000, { width: 320, height: 240 });
    const a = m.track("ann", "audio", 0, 4000);
    makeVideo(path.join(rec, v.file), "color=c=0x3366cc:s=320x240:r=25", 4);
    makeAudio(path.join(rec, a.file), "sine=f=1000:r=48000", 4);
    m.end("ann", 4000);
    m.writeManifest(rec);
    const { live, basis } = await runLive({ dir, store, recordingId: "left", seconds, windowMs: liveWindowMs(6000, 25) });
    // Ann leaves at 4 s; the windows after that are nobody's: after the first of each length, none is rendered.
    expect(live.segments.length).toBeGreaterThanOrEqual(10);
    expect(live.windowsReused).toBeGreaterThanOrEqual(live.segments.length - 6);
    expect(live.windowsRendered + live.windowsReused).toBe(live.segments.length);

    const movie = path.join(dir, "left-movie.mp4");
    const made = await tryLiveMovie({ storage: store, recordingId: "left", basis, outFile: movie, posterFile: `${movie}.jpg` });
    expect(made?.durationMs).toBe(seconds * 1000);
    expect(Math.abs(Number(probe(movie).format.duration) - seconds)).toBeLessThan(0.1);
    // Every reused segment decodes (its decode times were moved like a rendered one's), frame count matches.
    const frames = execFileSync(
      "ffprobe",
      ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", movie],
      {
        encoding: "utf8",
      },
    );
    expect(Number(frames.trim())).toBe(seconds * 25);
    const samples = pcm(movie);
    const level = (fromS: number, toS: number) => {
      let sum = 0;
      for (let i = fromS * 48_000; i < toS * 48_000; i++) sum += samples[i]! ** 2;
      return Math.sqrt(sum / ((toS - fromS) * 48_000));
    };
    expect(level(1, 3)).toBeGreaterThan(0.05);
    expect(level(6, 29)).toBeLessThan(0.001);
  }, 240_000);

  it("keeps a continuous tone without a dip at any of ten window joins", async () => {
    const seconds = 30;
    const rec = path.join(dir, "tone");
    const m = new SyntheticRecording();
    m.session("ann", "agent:ann", "ANN", "camera", 0);
    const v = m.track("ann", "video", 0, seconds * 1000, { width: 320, height: 240 });
    const a = m.track("ann", "audio", 0, seconds * 1000);
    makeVideo(path.join(rec, v.file), "color=c=0x3366cc:s=320x240:r=25", seconds);
    makeAudio(path.join(rec, a.file), "sine=f=1000:r=48000", seconds);
    m.end("ann", seconds * 1000);
    m.writeManifest(rec);
    const { basis } = await runLive({ dir, store, recordingId: "tone", seconds, windowMs: liveWindowMs(6000, 25) });
    const movie = path.join(dir, "tone-movie.mp4");
    expect(await tryLiveMovie({ storage: store, recordingId: "tone", basis, outFile: movie, posterFile: `${movie}.jpg` })).not.toBeNull();

    const samples = pcm(movie);
    // RMS per millisecond (one period of the tone), against the median level.
    const ms = Math.floor(samples.length / 48);
    const rms = Array.from({ length: ms }, (_, i) => {
      let sum = 0;
      for (let j = i * 48; j < (i + 1) * 48; j++) sum += samples[j]! ** 2;
      return Math.sqrt(sum / 48);
    });
    const level = [...rms].sort((x, y) => x - y)[Math.floor(ms / 2)]!;
    expect(level).toBeGreaterThan(0.05);
    const index = await readLiveIndex(store, "tone");
    const joins = index!.segments.slice(0, -1).map((_, i) => index!.segments.slice(0, i + 1).reduce((a, b) => a + b.durationMs, 0));
    expect(joins.length).toBeGreaterThanOrEqual(10);
    const floor = level * 10 ** (-3 / 20);
    // Longest run of quiet milliseconds anywhere after the first 100 ms (the decoder's own start).
    let run = 0;
    let longest = { ms: 0, at: 0 };
    for (let i = 100; i < ms - 50; i++) {
      run = rms[i]! < floor ? run + 1 : 0;
      if (run > longest.ms) longest = { ms: run, at: i };
    }
    expect(longest.ms, `a ${longest.ms} ms dip over 3 dB at ${longest.at} ms (joins at ${joins.join(", ")})`).toBeLessThanOrEqual(5);
  }, 240_000);
});
