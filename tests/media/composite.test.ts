import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tileColor } from "@/lib/compositing/filter-graph";
import type { Segment } from "@/lib/compositing/layout";
import {
  composeRecording,
  joinWindows,
  prepareComposition,
  renderWindow,
  type ComposeRecordingResult,
} from "@/server/recordings/compose/compose-recording";
import { ffprobe, isFastStart } from "@/server/recordings/compose/ffprobe";
import {
  colorDistance,
  frameAt,
  hexColor,
  makeAudio,
  makeVideo,
  SyntheticRecording,
  meanColor,
  T0,
} from "@/tests/support/media/synthetic-recording";

const W = 640;
const H = 360;
const dir = mkdtempSync(path.join(tmpdir(), "composite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tileAt = (segments: Segment[], ms: number) => segments.find((s) => ms >= s.fromMs && ms < s.toMs)!;

describe("compositing a recording with ffmpeg", () => {
  // Alice (red camera + tone) from 0.2 s, Carol (audio only) from 1 s, Bob (blue camera, H.264 in Matroska) from 2 s,
  // Alice's green screen share 3-5.5 s; the recording runs 7 s.
  const rec = path.join(dir, "rec1");
  let result: ComposeRecordingResult;
  const out = path.join(rec, "out", "movie.mp4");
  const poster = path.join(rec, "out", "poster.jpg");
  const percents: number[] = [];

  beforeAll(async () => {
    const m = new SyntheticRecording();
    m.session("alice-cam", "alice", "Alice O'Neil: [host]", "camera", 0);
    const av = m.track("alice-cam", "video", 200, 6000, { width: 320, height: 240 });
    const aa = m.track("alice-cam", "audio", 200, 6000);
    m.session("carol-cam", "carol", "Carol", "camera", 1000);
    const ca = m.track("carol-cam", "audio", 1000, 5000);
    m.session("bob-cam", "bob", "Bob", "camera", 2000);
    const bv = m.track("bob-cam", "video", 2000, 4000, { width: 320, height: 240, h264: true });
    m.session("alice-screen", "alice", "Alice", "screen", 3000);
    const sv = m.track("alice-screen", "video", 3000, 2500, { width: 640, height: 360 });
    m.end("alice-screen", 5500);
    m.end("bob-cam", 6000);
    m.end("carol-cam", 6000);
    m.end("alice-cam", 6200);
    makeVideo(path.join(rec, av.file), "color=c=red:s=320x240:r=20", 6);
    makeAudio(path.join(rec, aa.file), "sine=f=440:r=48000", 6);
    makeAudio(path.join(rec, ca.file), "sine=f=660:r=48000", 5);
    makeVideo(path.join(rec, bv.file), "color=c=blue:s=320x240:r=20", 4);
    makeVideo(path.join(rec, sv.file), "color=c=green:s=640x360:r=10", 2.5);
    result = await composeRecording({
      recordingDir: rec,
      manifestText: `${m.text()}{"type":"audio-lev`,
      spans: [{ fromMs: T0, toMs: T0 + 7000 }],
      output: { width: W, height: H },
      outFile: out,
      posterFile: poster,
      onProgress: (p) => percents.push(p),
    });
  }, 60_000);

  it("writes an H.264/AAC 48 kHz MP4 of the exact length with moov before mdat, and a poster", async () => {
    const info = await ffprobe(out);
    const video = info.streams.find((s) => s.type === "video")!;
    const audio = info.streams.find((s) => s.type === "audio")!;
    expect(video).toMatchObject({ codec: "h264", width: W, height: H });
    expect(audio).toMatchObject({ codec: "aac", sampleRate: 48000 });
    expect(Math.abs(info.durationMs! - 7000)).toBeLessThan(500);
    expect(Math.abs(audio.durationMs! - 7000)).toBeLessThan(100); // the end is not clipped
    expect(await isFastStart(out)).toBe(true);
    expect(statSync(poster).size).toBeGreaterThan(1000);
    expect(result.skippedManifestLines).toEqual([{ lineNumber: expect.any(Number), reason: "torn-last-line" }]);
    expect(percents.at(-1)).toBe(100);
    expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
  });

  it("shows every tile the layout engine placed: video in its colour, the audio-only person as a name tile", () => {
    const cases = [
      { at: 1500, expect: { alice: [255, 0, 0] } },
      { at: 2500, expect: { alice: [255, 0, 0], bob: [0, 0, 255] } },
      { at: 6100, expect: { alice: [255, 0, 0] } },
    ];
    for (const c of cases) {
      const seg = tileAt(result.segments, c.at);
      const frame = frameAt(out, c.at / 1000, W, H);
      expect(seg.layout).toBe("grid");
      for (const tile of seg.tiles) {
        const got = meanColor(frame, W, tile);
        const want = (c.expect as Record<string, number[]>)[tile.participantId] ?? hexColor(tileColor(tile.participantId));
        // A letterboxed 4:3 video fills the middle of its tile: sample the centre for video, a corner for name tiles.
        const probe = tile.hasVideo
          ? meanColor(frame, W, { x: tile.x + tile.w / 2 - 20, y: tile.y + tile.h / 2 - 20, w: 40, h: 40 })
          : meanColor(frame, W, { x: tile.x, y: tile.y, w: 24, h: 24 }, 4);
        expect(Math.max(...got), `tile ${tile.participantId} at ${c.at} ms is black`).toBeGreaterThan(40);
        expect(colorDistance(probe, want), `tile ${tile.participantId} at ${c.at} ms: ${probe} vs ${want}`).toBeLessThan(48);
      }
    }
    expect(tileAt(result.segments, 2500).tiles.find((t) => t.participantId === "carol")?.hasVideo).toBe(false);
  });

  it("switches to the screen-share layout while the share runs, the screen large, and back", () => {
    const during = tileAt(result.segments, 4000);
    expect(during.layout).toBe("screen-share");
    const screen = during.tiles.find((t) => t.source === "screen")!;
    expect(screen.w * screen.h).toBeGreaterThan(0.5 * W * H);
    const frame = frameAt(out, 4, W, H);
    const centre = meanColor(frame, W, { x: screen.x + screen.w / 2 - 30, y: screen.y + screen.h / 2 - 30, w: 60, h: 60 });
    expect(colorDistance(centre, [0, 128, 0])).toBeLessThan(48);
    expect(tileAt(result.segments, 5600).layout).toBe("grid");
    const after = frameAt(out, 5.6, W, H);
    const alice = tileAt(result.segments, 5600).tiles.find((t) => t.participantId === "alice")!;
    const c = meanColor(after, W, { x: alice.x + alice.w / 2 - 20, y: alice.y + alice.h / 2 - 20, w: 40, h: 40 });
    expect(colorDistance(c, [255, 0, 0])).toBeLessThan(48);
  });
});

/** First time (s) a 32x18 grey rendition of the video gets bright (frame index at 25 fps). */
function flashTime(file: string) {
  const grey = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-vf", "scale=32:18,fps=25", "-f", "rawvideo", "-pix_fmt", "gray", "-"], {
    maxBuffer: 64 << 20,
  });
  const frameBytes = 32 * 18;
  for (let f = 0; f * frameBytes < grey.length; f++) {
    let sum = 0;
    for (let i = 0; i < frameBytes; i++) sum += grey[f * frameBytes + i];
    if (sum / frameBytes > 128) return f / 25;
  }
  return -1;
}

/** First time (s) the audio gets loud. */
function beepTime(file: string) {
  const pcm = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-ac", "1", "-ar", "48000", "-f", "s16le", "-"], { maxBuffer: 64 << 20 });
  for (let i = 0; i + 1 < pcm.length; i += 2) if (Math.abs(pcm.readInt16LE(i)) > 1000) return i / 2 / 48000;
  return -1;
}

function flashAndBeep(file: string) {
  return { flashS: flashTime(file), beepS: beepTime(file) };
}

describe("audio/video sync through the compositor", () => {
  // One sender: video's first packet arrived at 300 ms and its file starts at 100 ms (frames before the first
  // keyframe dropped); audio's first packet arrived 120 ms earlier, though the sender captured both at once.
  // Flash and beep are both at file time 2.3 s; the sender clock (track-sync) is what puts them together.
  const rec = path.join(dir, "sync");
  const m = new SyntheticRecording();
  beforeAll(() => {
    m.session("s1", "dave", "Dave", "camera", 0);
    const v = m.track("s1", "video", 300, 4000, { ntpMs: 5_000_000, width: 320, height: 240 });
    const a = m.track("s1", "audio", 180, 4000, { ntpMs: 5_000_000 });
    m.end("s1", 4400);
    makeVideo(
      path.join(rec, v.file),
      "color=c=black:s=320x240:r=20,drawbox=x=0:y=0:w=320:h=240:color=white:t=fill:enable='between(t,2.2,2.3)'",
      3.9,
      ["-output_ts_offset", "0.1"],
    );
    makeAudio(path.join(rec, a.file), "sine=f=1000:r=48000", 4, "volume=0:enable='not(between(t,2.3,2.5))'");
  });
  const spans = [{ fromMs: T0, toMs: T0 + 4400 }];
  const output = { width: 320, height: 180 };
  const run = async (windowMs?: number) => {
    const out = path.join(rec, `out-${windowMs ?? "post"}.mp4`);
    await composeRecording({ recordingDir: rec, manifestText: m.text(), spans, output, outFile: out, windowMs });
    return out;
  };

  it("puts the flash and the beep within 40 ms of each other (post-call)", async () => {
    const { flashS, beepS } = flashAndBeep(await run());
    expect(flashS).toBeGreaterThan(2.4);
    expect(Math.abs(flashS - 2.6)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(flashS - beepS)).toBeLessThanOrEqual(0.04);
  }, 30_000);

  it("fills a gap inside an audio track with silence instead of pulling later audio forward", async () => {
    const gapRec = path.join(dir, "gap");
    const m = new SyntheticRecording();
    m.session("s1", "erin", "Erin", "camera", 0);
    const a = m.track("s1", "audio", 500, 5000);
    // Beep at 3 s of the source; the packets from 2 s on arrived one second later (a 1 s hole in the file).
    makeAudio(
      path.join(gapRec, a.file),
      "sine=f=1000:r=48000",
      4,
      "volume=0:enable='not(between(t,3,3.2))',asetpts='if(gte(T,2),PTS+48000,PTS)'",
    );
    const out = path.join(gapRec, "out.mp4");
    await composeRecording({
      recordingDir: gapRec,
      manifestText: m.text(),
      spans: [{ fromMs: T0, toMs: T0 + 6000 }],
      output: { width: 320, height: 180 },
      outFile: out,
    });
    expect(Math.abs(flashAndBeep(out).beepS - 4.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((await ffprobe(out)).durationMs! - 6000)).toBeLessThan(100);
  }, 30_000);

  it("keeps drawing a video whose resolution changes mid-track (a camera ramping up)", async () => {
    const rampRec = path.join(dir, "ramp");
    const m2 = new SyntheticRecording();
    m2.session("s1", "fay", "Fay", "camera", 0);
    const v = m2.track("s1", "video", 0, 4000, { width: 320, height: 180 });
    const parts = [path.join(rampRec, "small.webm"), path.join(rampRec, "large.webm")];
    makeVideo(parts[0], "color=c=red:s=320x180:r=25", 2);
    makeVideo(parts[1], "color=c=red:s=1280x720:r=25,drawbox=x=0:y=0:w=1280:h=720:color=white:t=fill:enable='between(t,1,1.1)'", 2);
    const list = path.join(rampRec, "list.txt");
    mkdirSync(path.dirname(path.join(rampRec, v.file)), { recursive: true });
    writeFileSync(list, parts.map((p) => `file '${p}'\n`).join(""));
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", path.join(rampRec, v.file)]);
    const out = path.join(rampRec, "out.mp4");
    const r = await composeRecording({
      recordingDir: rampRec,
      manifestText: m2.text(),
      spans: [{ fromMs: T0, toMs: T0 + 4000 }],
      output: { width: 320, height: 180 },
      outFile: out,
    });
    const info = await ffprobe(out, { countFrames: true });
    expect(info.streams.find((s) => s.type === "video")!.frames).toBe(100); // the graph was not restarted
    const tile = r.segments[0].tiles[0];
    // The flash in the second half lands where it is in the track (re-creating the graph at the change would not).
    const sourceFlash = flashTime(path.join(rampRec, v.file));
    expect(sourceFlash).toBeGreaterThan(2.9);
    expect(Math.abs(flashTime(out) - sourceFlash)).toBeLessThanOrEqual(0.04);
    for (const at of [1, 2.5]) {
      const c = meanColor(frameAt(out, at, 320, 180), 320, { x: tile.x + 100, y: tile.y + 40, w: 120, h: 60 });
      expect(colorDistance(c, [255, 0, 0]), `at ${at} s`).toBeLessThan(48);
    }
  }, 30_000);

  it("a recording where nobody published still gives a movie of the right length", async () => {
    const out = path.join(dir, "empty", "out.mp4");
    await composeRecording({
      recordingDir: path.join(dir, "empty"),
      manifestText: "",
      spans: [{ fromMs: T0, toMs: T0 + 2000 }],
      output: { width: 320, height: 180 },
      outFile: out,
    });
    const info = await ffprobe(out);
    expect(info.streams.map((s) => s.codec)).toEqual(["h264", "aac"]);
    expect(Math.abs(info.durationMs! - 2000)).toBeLessThan(100);
  });

  it("renders 1 s windows joined without re-encoding video: same length, still in sync", async () => {
    const out = await run(1000);
    const info = await ffprobe(out, { countFrames: true });
    const video = info.streams.find((s) => s.type === "video")!;
    expect(video.codec).toBe("h264");
    expect(video.frames).toBe(110); // 4.4 s at 25 fps: no frame lost or doubled at the joins
    expect(Math.abs(info.durationMs! - 4400)).toBeLessThan(100);
    expect(await isFastStart(out)).toBe(true);
    const { flashS, beepS } = flashAndBeep(out);
    expect(Math.abs(flashS - 2.6)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(flashS - beepS)).toBeLessThanOrEqual(0.04);
  }, 30_000);

  it("drops a pause: media inside the gap is left out and the rest moves up, still in sync", async () => {
    const out = path.join(rec, "out-paused.mp4");
    const paused = [
      { fromMs: T0, toMs: T0 + 1500 },
      { fromMs: T0 + 2000, toMs: T0 + 4400 },
    ];
    const r = await composeRecording({ recordingDir: rec, manifestText: m.text(), spans: paused, output, outFile: out });
    expect(r.durationMs).toBe(3900);
    expect(Math.abs((await ffprobe(out)).durationMs! - 3900)).toBeLessThan(100);
    const { flashS, beepS } = flashAndBeep(out);
    expect(Math.abs(flashS - 2.1)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(flashS - beepS)).toBeLessThanOrEqual(0.04);
  }, 30_000);

  it("live shape: a window rendered during the call from the manifest so far joins the rest at Stop", async () => {
    const work = path.join(rec, "live");
    // At 2.4 s into the call the recorder had written only the lines up to then; [0, 2 s) is closed.
    const soFar = new SyntheticRecording();
    soFar.lines.push(...m.lines.filter((l) => (l.atMs as number) <= T0 + 2400));
    const early = await prepareComposition({
      recordingDir: rec,
      manifestText: soFar.text(),
      spans: [{ fromMs: T0, toMs: T0 + 2400 }],
      output,
    });
    const first = await renderWindow(early, { fromMs: 0, toMs: 2000 }, work, "w0");
    const final = await prepareComposition({ recordingDir: rec, manifestText: m.text(), spans, output });
    const second = await renderWindow(final, { fromMs: 2000, toMs: 4400 }, work, "w1");
    const out = path.join(rec, "out-live.mp4");
    await joinWindows([first, second], out);
    const info = await ffprobe(out, { countFrames: true });
    expect(info.streams.find((s) => s.type === "video")!.frames).toBe(110);
    const { flashS, beepS } = flashAndBeep(out);
    expect(Math.abs(flashS - 2.6)).toBeLessThanOrEqual(0.04);
    expect(Math.abs(flashS - beepS)).toBeLessThanOrEqual(0.04);
  }, 30_000);
});
