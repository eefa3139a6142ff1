// The faststart header built from a live recording's fragments: `header ++ every mdat payload` must be the movie
// ffmpeg's own `-c copy -movflags +faststart` remux of the same fragments is, frame for frame (decoded hashes), so
// the payloads can be uploaded while the call runs and only the header written at Stop.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleMovieArgs, liveWindowMs } from "@/lib/compositing/live";
import { createLogger } from "@/server/platform/logger";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { isFastStart } from "@/server/recordings/compose/ffprobe";
import { collectSamples, faststartHeader, mdatPayloadRanges, SampleTables } from "@/server/recordings/live/faststart-mp4";
import { type Box, boxesIn, children, splitFragmentedMp4 } from "@/server/recordings/live/fmp4";
import { LiveRecording, type LiveSource } from "@/server/recordings/live/live-recording";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { T0, TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

const OUTPUT = { width: 1280, height: 720 };
const SECONDS = 14;

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe", maxBuffer: 1 << 26 });

/** Per decoded frame: [timestamps columns, hash]. */
function framemd5(file: string, map: string, pre: string[] = [], post: string[] = []) {
  return run("ffmpeg", ["-v", "error", ...pre, "-i", file, "-map", map, ...post, "-f", "framemd5", "-"])
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const cols = l.split(",").map((c) => c.trim());
      return { times: cols.slice(0, -1).join(","), hash: cols.at(-1)! };
    });
}

const videoFrames = (file: string) =>
  Number(
    run("ffprobe", [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=nb_read_frames",
      "-of",
      "csv=p=0",
      file,
    ]),
  );

/** Each moof + mdat pair on its own: how a caller fed window by window sees them. */
function moofMdatPairs(media: Buffer): Buffer[] {
  const top = boxesIn(media, 0, media.length);
  const out: Buffer[] = [];
  for (let i = 0; i < top.length; i++) {
    if (top[i]!.type !== "moof") continue;
    const end = top[i + 1]?.type === "mdat" ? top[i + 1]! : top[i]!;
    out.push(media.subarray(top[i]!.start, end.start + end.size));
  }
  return out;
}

function writeMovie(file: string, header: Buffer, fragments: Buffer[]) {
  const payload = fragments.flatMap((f) => mdatPayloadRanges(f).map((r) => f.subarray(r.start, r.end)));
  writeFileSync(file, Buffer.concat([header, ...payload]));
}

function findBox(buf: Buffer, within: Box[], ...types: string[]): Box | undefined {
  const [first, ...rest] = types;
  const at = within.find((b) => b.type === first);
  return at && rest.length ? findBox(buf, children(buf, at), ...rest) : at;
}

describe("faststart MP4 from live fragments", () => {
  let dir: string;
  let store: ObjectStore;
  let init: Buffer;
  let pairs: Buffer[];
  let movie: string;
  let remux: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-faststart-"));
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "live",
      forcePathStyle: true,
      embeddedDir: path.join(dir, "s3"),
      embeddedPort: 0,
    });
    writeTwoPersonRecording(path.join(dir, "two"), SECONDS);
    const spans: LiveSource["spans"] = [{ from: new Date(T0), to: null }];
    let now = T0;
    const live = new LiveRecording({
      recordingId: "two",
      recordingDir: path.join(dir, "two"),
      workDir: path.join(dir, "work"),
      storage: store,
      windowMs: liveWindowMs(6000, 25),
      settleMs: 1000,
      output: OUTPUT,
      read: async () => ({ spans, layout: "grid", layoutChanges: [] }),
      logger: createLogger("silent"),
      clock: () => now,
    });
    for (let t = 0; t <= SECONDS * 1000; t += 1000) {
      now = T0 + t;
      await live.advance(false);
    }
    spans[0]!.to = new Date(T0 + SECONDS * 1000);
    now = T0 + SECONDS * 1000 + 500;
    await live.advance(true);
    expect(live.segments.length).toBeGreaterThanOrEqual(3);

    const split = splitFragmentedMp4(readFileSync(live.localFragments));
    init = split.init;
    pairs = moofMdatPairs(split.media);
    const tables = new SampleTables(init);
    for (const p of pairs) tables.add(p);
    movie = path.join(dir, "movie.mp4");
    writeMovie(movie, faststartHeader(init, tables), pairs);
    remux = path.join(dir, "remux.mp4");
    run("ffmpeg", assembleMovieArgs(live.localFragments, remux));
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is a faststart H.264 + AAC movie of the recording's length that decodes without an error", async () => {
    const info = JSON.parse(
      run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", movie]),
    ) as { streams: { codec_name: string; width?: number; height?: number }[]; format: { duration: string } };
    expect(info.streams.map((s) => s.codec_name).sort()).toEqual(["aac", "h264"]);
    expect(info.streams.find((s) => s.codec_name === "h264")).toMatchObject(OUTPUT);
    expect(Math.abs(Number(info.format.duration) - SECONDS)).toBeLessThanOrEqual(0.04);
    expect(await isFastStart(movie), "moov before mdat").toBe(true);
    expect(run("ffmpeg", ["-v", "error", "-i", movie, "-f", "null", "-"])).toBe("");
    expect(videoFrames(movie)).toBe(videoFrames(remux));
    expect(videoFrames(movie)).toBe(SECONDS * 25);
    expectMovieContent(movie, TWO_PERSON_MEDIA);
  }, 120_000);

  it("decodes to the same video and audio as ffmpeg's own faststart remux, and seeks to the same frame", () => {
    for (const map of ["0:v", "0:a"]) {
      const mine = framemd5(movie, map);
      const theirs = framemd5(remux, map);
      expect(mine.length, map).toBe(theirs.length);
      expect(
        mine.map((f) => f.hash),
        map,
      ).toEqual(theirs.map((f) => f.hash));
      expect(
        mine.map((f) => f.times),
        map,
      ).toEqual(theirs.map((f) => f.times));
    }
    const seek = (file: string) => framemd5(file, "0:v", ["-ss", "7"], ["-frames:v", "1"]);
    expect(seek(movie)).toEqual(seek(remux));
    expect(seek(movie)).toHaveLength(1);
  }, 120_000);

  it("pads the header to a minimum size with a free box, and the movie still plays the same", () => {
    const minBytes = 5 * 1024 * 1024;
    const tables = collectSamples(init, pairs);
    const header = faststartHeader(init, tables, { minBytes });
    expect(header.length).toBe(minBytes);
    const top = boxesIn(header, 0, header.length - 16);
    expect(top.map((b) => b.type)).toEqual(["ftyp", "moov", "free"]);
    expect(header.toString("latin1", header.length - 12, header.length - 8)).toBe("mdat");
    expect(Number(header.readBigUInt64BE(header.length - 8))).toBe(16 + tables.payloadBytes);
    const padded = path.join(dir, "padded.mp4");
    writeMovie(padded, header, pairs);
    expect(run("ffmpeg", ["-v", "error", "-i", padded, "-f", "null", "-"])).toBe("");
    expect(framemd5(padded, "0:v").map((f) => f.hash)).toEqual(framemd5(movie, "0:v").map((f) => f.hash));
    // Already over the minimum: no padding.
    expect(faststartHeader(init, tables, { minBytes: 100 }).length).toBe(faststartHeader(init, tables).length);
  }, 60_000);

  it("writes co64 when chunk offsets pass 4 GiB, and version-1 durations when they pass 32 bits", () => {
    const tables = collectSamples(init, pairs);
    const stco = (h: Buffer, type: string) =>
      boxesIn(h, 0, h.length - 16)
        .filter((b) => b.type === "moov")
        .flatMap((m) => children(h, m).filter((b) => b.type === "trak"))
        .map((t) => findBox(h, children(h, t), "mdia", "minf", "stbl", type));
    expect(stco(faststartHeader(init, tables), "stco").every(Boolean)).toBe(true);

    // A synthetic table far past 4 GiB and 2^32 ticks: the same chunks 5 GiB further on, every sample very long.
    const far = collectSamples(init, pairs);
    const shift = 5 * 2 ** 30;
    for (const t of far.tracks.values()) {
      for (const c of t.chunks) c.position += shift;
      // stts deltas are 32-bit: every sample 2^31 ticks longer overflows 32 bits in the movie's timescale too.
      for (let i = 0; i < t.durations.length; i++) t.durations[i]! += 2 ** 31;
      t.decodeEnd += t.durations.length * 2 ** 31;
    }
    far.payloadBytes += shift;
    const header = faststartHeader(init, far);
    const co64 = stco(header, "co64");
    expect(co64.every(Boolean)).toBe(true);
    const video = [...tables.tracks.values()][0]!;
    const box = co64[0]!;
    expect(header.readUInt32BE(box.start + 12)).toBe(video.chunks.length);
    expect(Number(header.readBigUInt64BE(box.start + 16))).toBe(header.length + shift + video.chunks[0]!.position);
    const moov = boxesIn(header, 0, header.length - 16).find((b) => b.type === "moov")!;
    const mvhd = findBox(header, children(header, moov), "mvhd")!;
    expect(header[mvhd.start + 8]).toBe(1);
    const trak = children(header, moov).find((b) => b.type === "trak")!;
    for (const p of [["tkhd"], ["mdia", "mdhd"], ["edts", "elst"]])
      expect(header[findBox(header, children(header, trak), ...p)!.start + 8], p.join("/")).toBe(1);
    const mdhd = findBox(header, children(header, trak), "mdia", "mdhd")!;
    expect(Number(header.readBigUInt64BE(mdhd.start + 32))).toBe(
      video.decodeEnd - video.firstDecodeTime + video.durations.length * 2 ** 31,
    );
    expect(Number(header.readBigUInt64BE(header.length - 8))).toBe(16 + far.payloadBytes);
  });
});
