// A/V sync through the compositor with sub-frame care: flashes and beeps that start together in a recording written
// by the recorder's manifest writer, at phases spread over the movie's 25 fps grid (a 35 fps camera, a mark every
// 71 source frames: the flash lands 0, 29, 17, 6, 34, 23 and 11 ms past a 40 ms tick, never on a half tick where
// rounding would break one way). A mark that always lands on the same phase reads anywhere in ±20 ms; spread
// phases make the median the compositor's own offset.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import { measureMarks, type MarkPair } from "@/tests/support/media/fixtures-sync";
import { makeAudio, makeVideo, SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";
import { makeOpusPackets, packetizeOpus } from "@/tests/support/recorder/synthetic-media";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const SECONDS = 20;
const FPS_IN = 35;
const FIRST = 35; // source frame of the first mark (1 s)
const EVERY = 71; // source frames between marks (2.029 s)
const MARK_FRAMES = 3;
/** Median of beep − flash over the spread phases: what the compositor adds, rounding averaged out. */
const MAX_MEDIAN_MS = 5;
/** Any single pair: the output's frame rounding (a flash moves to the nearest 40 ms tick, ±20 ms) plus 3 ms onset detection. */
const MAX_PAIR_MS = 23;
const dir = mkdtempSync(path.join(tmpdir(), "vhd-av-phases-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `audioLateMs` places the audio track that much later than the video (a known offset, for the control). */
function writeMarkedRecording(rec: string, audioLateMs = 0) {
  const m = new SyntheticRecording();
  m.session("cam", "agent:ann", "ANN", "camera", 0);
  const video = m.track("cam", "video", 0, SECONDS * 1000, { width: 640, height: 480 });
  const audio = m.track("cam", "audio", audioLateMs, SECONDS * 1000);
  m.end("cam", SECONDS * 1000);
  const phase = `mod(n-${FIRST}+${EVERY * 10},${EVERY})`;
  makeVideo(path.join(rec, video.file), `color=c=black:s=640x480:r=${FPS_IN}`, SECONDS, [
    "-vf",
    `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(${phase},${MARK_FRAMES})'`,
  ]);
  // The beep starts on the same source frame instants, sample-exact.
  const gate = `lt(mod(t*${FPS_IN}-${FIRST}+${EVERY * 10},${EVERY}),${MARK_FRAMES})`;
  makeAudio(path.join(rec, audio.file), `aevalsrc='0.5*sin(2*PI*1000*t)*${gate}':s=48000`, SECONDS);
  m.writeManifest(rec);
  return m;
}

const fmt = (pairs: MarkPair[]) =>
  pairs.map((p) => `${(p.flashMs / 1000).toFixed(3)} s ${p.offsetMs >= 0 ? "+" : ""}${p.offsetMs.toFixed(1)}`).join(", ");

describe.skipIf(!hasFfmpeg)("A/V sync of the compositor at spread frame phases", () => {
  const rec = path.join(dir, "rec");
  const m = hasFfmpeg ? writeMarkedRecording(rec) : undefined;
  const manifestText = () => m!.text();
  const compose = async (recordingDir: string, text: string, outFile: string, windowMs: number) => {
    await composeRecording({
      recordingDir,
      manifestText: text,
      spans: [{ fromMs: T0, toMs: T0 + SECONDS * 1000 }],
      output: { width: 1280, height: 720 },
      outFile,
      windowMs,
      fontFile: null,
    });
    return measureMarks(outFile);
  };

  for (const [label, windowMs] of [
    ["one pass", 0],
    ["6 s windows joined", 6000],
  ] as const) {
    it(`${label}: median within ${MAX_MEDIAN_MS} ms, every pair within ${MAX_PAIR_MS} ms`, async () => {
      const r = await compose(rec, manifestText(), path.join(dir, `movie-${windowMs}.mp4`), windowMs);
      console.log(`A/V ${label}: median ${r.medianOffsetMs.toFixed(1)} ms (+ = audio late); ${fmt(r.pairs)}`);
      expect(r.pairs.length, "marks found").toBeGreaterThanOrEqual(9);
      expect(Math.abs(r.medianOffsetMs), "median A/V offset").toBeLessThanOrEqual(MAX_MEDIAN_MS);
      for (const p of r.pairs) expect(Math.abs(p.offsetMs), `pair at ${p.flashMs.toFixed(0)} ms`).toBeLessThanOrEqual(MAX_PAIR_MS);
    }, 120_000);
  }

  it("control: audio placed 25 ms late reads 25 ms late (the measurement sees the offset this test bounds)", async () => {
    const late = path.join(dir, "late");
    const written = writeMarkedRecording(late, 25);
    const r = await compose(late, written.text(), path.join(dir, "late.mp4"), 0);
    console.log(`A/V control, audio +25 ms: median ${r.medianOffsetMs.toFixed(1)} ms; ${fmt(r.pairs)}`);
    expect(r.medianOffsetMs).toBeGreaterThan(MAX_MEDIAN_MS);
    expect(Math.abs(r.medianOffsetMs - 25)).toBeLessThanOrEqual(4);
  }, 120_000);

  it("audio written by the recorder's own track writer from RTP Opus: median and pairs within the same bounds", async () => {
    const recRtp = path.join(dir, "rtp");
    const w = new SyntheticRecording();
    w.session("cam", "agent:ann", "ANN", "camera", 0);
    const video = w.track("cam", "video", 0, SECONDS * 1000, { width: 640, height: 480 });
    const phase = `mod(n-${FIRST}+${EVERY * 10},${EVERY})`;
    makeVideo(path.join(recRtp, video.file), `color=c=black:s=640x480:r=${FPS_IN}`, SECONDS, [
      "-vf",
      `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(${phase},${MARK_FRAMES})'`,
    ]);
    const gate = `lt(mod(t*${FPS_IN}-${FIRST}+${EVERY * 10},${EVERY}),${MARK_FRAMES})`;
    const { writer } = w.trackWriter(recRtp, "cam", "audio", "opus", 0, 2);
    const packets = makeOpusPackets(dir, SECONDS, `aevalsrc='0.5*sin(2*PI*1000*t)*${gate}':s=48000`);
    for (const p of packetizeOpus(packets, { firstSeq: 1, firstTimestamp: 0, ticksPerFrame: 960 })) writer.onRtp(p);
    await writer.close();
    w.end("cam", SECONDS * 1000);
    const r = await compose(recRtp, w.text(), path.join(dir, "rtp.mp4"), 0);
    console.log(`A/V recorder-written Opus: median ${r.medianOffsetMs.toFixed(1)} ms; ${fmt(r.pairs)}`);
    expect(r.pairs.length, "marks found").toBeGreaterThanOrEqual(9);
    expect(Math.abs(r.medianOffsetMs), "median A/V offset").toBeLessThanOrEqual(MAX_MEDIAN_MS);
    for (const p of r.pairs) expect(Math.abs(p.offsetMs), `pair at ${p.flashMs.toFixed(0)} ms`).toBeLessThanOrEqual(MAX_PAIR_MS);
  }, 120_000);
});
