// The faststart header built from a live recording's fragments: `header ++ every mdat payload` must be the movie
// ffmpeg's own `-c copy -movflags +faststart` remux of the same fragments is, frame for frame (decoded hashes), so
// the payloads can be uploaded while the call runs and only the header written at Stop.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assembleMovieArgs } from "@/lib/compositing/live";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { isFastStart } from "@/server/recordings/compose/ffprobe";
import { collectSamples, faststartHeader, mdatPayloadRanges, SampleTables } from "@/server/recordings/live/faststart-mp4";
import { writeFaststartMovie } from "@/server/recordings/live/faststart-movie";
import { type Box, boxesIn, children, shiftFragments } from "@/server/recordings/live/fmp4";
import { box, chunkOffsets, ctts, fullBox, mdatHeader, stsc, stss, stsz, stts, u32s, u64 } from "@/server/recordings/live/mp4-box-writer";
import { fragmentsOf, renderLiveWindows } from "@/tests/support/live/live-windows";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

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
  let timescales: Map<number, number>;
  let movie: string;
  let remux: string;
  let fragmentsFile: string;

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
    const { live } = await renderLiveWindows({ dir, storage: store, recordingId: "two", seconds: SECONDS, output: OUTPUT });
    expect(live.segments.length).toBeGreaterThanOrEqual(3);

    fragmentsFile = live.localFragments;
    ({ init, timescales, pairs } = fragmentsOf(readFileSync(live.localFragments)));
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

  it("is what the app writes at Stop from the fragments file, byte for byte (writeFaststartMovie)", async () => {
    const written = path.join(dir, "written.mp4");
    await writeFaststartMovie(fragmentsFile, written);
    expect(readFileSync(written).equals(readFileSync(movie))).toBe(true);
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

  it("starts a track whose first fragment is late with an empty edit", () => {
    const late = pairs.map((p) => shiftFragments(p, timescales, 2000));
    const file = path.join(dir, "late.mp4");
    writeMovie(file, faststartHeader(init, collectSamples(init, late)), late);
    const starts = run("ffprobe", ["-v", "error", "-show_entries", "stream=start_time:format=duration", "-of", "json", file]);
    const info = JSON.parse(starts) as { streams: { start_time: string }[]; format: { duration: string } };
    for (const s of info.streams) expect(Number(s.start_time)).toBeCloseTo(2, 2);
    expect(Math.abs(Number(info.format.duration) - (SECONDS + 2))).toBeLessThanOrEqual(0.04);
    expect(framemd5(file, "0:v").map((f) => f.hash)).toEqual(framemd5(movie, "0:v").map((f) => f.hash));
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

describe("faststart MP4 tables (no ffmpeg)", () => {
  /** A moov with one track: enough for SampleTables (track_ID and timescale). */
  const init = (trackId: number, timescale: number) =>
    box(
      "moov",
      box(
        "trak",
        fullBox("tkhd", 0, 3, u32s([0, 0, trackId, 0, 0]), Buffer.alloc(60)),
        box("mdia", fullBox("mdhd", 0, 0, u32s([0, 0, timescale, 0, 0]))),
      ),
    );

  /** One moof + mdat with a single trun of samples (duration, size), data_offset from the moof (default-base-is-moof). */
  function fragment(trackId: number, decodeTime: number, samples: [number, number][], fill = 0) {
    const moof = (dataOffset: number) =>
      box(
        "moof",
        fullBox("mfhd", 0, 0, u32s([1])),
        box(
          "traf",
          fullBox("tfhd", 0, 0x020000, u32s([trackId])),
          fullBox("tfdt", 1, 0, u64(decodeTime)),
          fullBox("trun", 0, 0x301, u32s([samples.length, dataOffset]), u32s(samples.flat())),
        ),
      );
    const bytes = samples.reduce((n, [, size]) => n + size, 0);
    return Buffer.concat([moof(moof(0).length + 8), box("mdat", Buffer.alloc(bytes, fill))]);
  }

  it("makes decode times continuous from tfdt: a fragment's last sample lasts until the next one starts", () => {
    const tables = new SampleTables(init(1, 1000));
    const first = fragment(1, 0, [
      [40, 10],
      [40, 20],
    ]);
    tables.add(first);
    tables.add(fragment(1, 90, [[40, 5]], 7));
    const track = tables.tracks.get(1)!;
    expect(track.durations).toEqual([40, 50, 40]);
    expect(track.decodeEnd).toBe(130);
    expect(track.chunks).toEqual([
      { position: 0, samples: 2 },
      { position: 30, samples: 1 },
    ]);
    expect(tables.payloadBytes).toBe(35);
    expect(mdatPayloadRanges(first)).toEqual([{ start: first.length - 30, end: first.length }]);
    // Earlier than the last sample's start: the fragments overlap, no duration makes that a time line.
    expect(() => tables.add(fragment(1, 80, [[40, 5]]))).toThrow(/overlap/);
  });

  it("writes each table in its smallest valid form", () => {
    expect(ctts([0, 0, 0])).toBeNull();
    const negative = ctts([-512, -512, 0])!;
    expect(negative[8]).toBe(1);
    expect([12, 16, 20, 24, 28].map((at) => negative.readInt32BE(at))).toEqual([2, 2, -512, 1, 0]);
    expect(ctts([1024, 0])![8]).toBe(0);
    expect(stss([true, true])).toBeNull();
    const sync = stss([true, false, false, true])!;
    expect([sync.readUInt32BE(12), sync.readUInt32BE(16), sync.readUInt32BE(20)]).toEqual([2, 1, 4]);
    const chunks = stsc([3, 3, 2, 3]);
    expect(Array.from({ length: 10 }, (_, i) => chunks.readUInt32BE(12 + 4 * i))).toEqual([3, 1, 3, 1, 3, 2, 1, 4, 3, 1]);
    expect(stts([512, 512, 512, 256]).subarray(12)).toEqual(u32s([2, 3, 512, 1, 256]));
    expect(stsz([371, 371]).subarray(12)).toEqual(u32s([371, 2]));
    expect(chunkOffsets([8, 2 ** 32 - 1]).toString("latin1", 4, 8)).toBe("stco");
    const large = chunkOffsets([8, 2 ** 32]);
    expect(large.toString("latin1", 4, 8)).toBe("co64");
    expect(Number(large.readBigUInt64BE(24))).toBe(2 ** 32);
    const mdat = mdatHeader(5 * 2 ** 30);
    expect([mdat.readUInt32BE(0), mdat.toString("latin1", 4, 8), Number(mdat.readBigUInt64BE(8))]).toEqual([1, "mdat", 16 + 5 * 2 ** 30]);
  });
});
