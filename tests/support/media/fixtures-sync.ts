import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Known-sync media for Chromium's fake capture devices, and the measurements that find the sync marks again in
 * whatever comes out (raw recorder track files, the composited MP4). A "mark" is a white flash on black video
 * and a 1 kHz beep on silence that the source starts at the same instant.
 */

/**
 * A mark every 61 frames of 30 fps (2.033 s). That is not a whole number of the movie's 40 ms ticks: each mark lands
 * 33.3 ms further along that grid than the one before, so six marks cover six phases spread over one tick and the
 * movie's frame rounding averages out (see subFrameOffsets). The files hold whole periods, so looping keeps the pattern.
 */
export const SYNC_SOURCE = {
  fps: 30,
  everyFrames: 61,
  periods: 7,
  firstMarkFrame: 30,
  width: 640,
  height: 360,
  sampleRate: 48_000,
  markMs: 100,
};

/**
 * Writes `sync.y4m` and `sync.wav` of the same length: Chromium loops both files (video and audio capture each
 * restart at their own end), so equal lengths keep the marks together on every loop.
 */
export function makeSyncSource(dir: string) {
  const s = SYNC_SOURCE;
  const video = path.join(dir, "sync.y4m");
  const audio = path.join(dir, "sync.wav");
  const frames = s.periods * s.everyFrames;
  const samples = (frames / s.fps) * s.sampleRate;
  const flashFrames = Math.round((s.markMs / 1000) * s.fps); // 3 frames = 100 ms, like the beep
  // Frame-exact flash: three white frames from each mark (three, so one dropped frame still shows it).
  const flash = `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(mod(n-${s.firstMarkFrame}+${s.everyFrames},${s.everyFrames}),0,${flashFrames - 1})'`;
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `color=c=black:s=${s.width}x${s.height}:r=${s.fps}`,
    "-vf",
    flash,
    "-frames:v",
    String(frames),
    "-pix_fmt",
    "yuv420p",
    "-f",
    "yuv4mpegpipe",
    video,
  ]);
  // Sample-exact beep: a sine gated on [mark, mark + 100 ms), the marks at the flashes' frame times.
  const every = `(${s.everyFrames}/${s.fps})`;
  const phase = `mod(t-${s.firstMarkFrame}/${s.fps}+${every},${every})`;
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `aevalsrc='0.5*sin(2*PI*1000*t)*gte(${phase},0)*lt(${phase},${s.markMs / 1000})':s=${s.sampleRate}:d=${frames / s.fps + 1}`,
    "-af",
    `atrim=end_sample=${samples}`,
    "-ac",
    "1",
    "-c:a",
    "pcm_s16le",
    audio,
  ]);
  return { video, audio };
}

/** (pts ms, mean luma 0..255) of every decoded frame, in the file's own timestamps. */
export function lumaSeries(file: string): { ms: number; luma: number }[] {
  const stats = `${file}.luma.txt`;
  try {
    // The metadata filter prints each frame's pts before any output frame-rate conversion: true file times.
    execFileSync("ffmpeg", [
      "-v",
      "error",
      "-i",
      file,
      "-an",
      "-vf",
      `scale=64:36,signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=${stats.replace(/([\\:',])/g, "\\$1")}`,
      "-f",
      "null",
      "-",
    ]);
    const out: { ms: number; luma: number }[] = [];
    let ms = Number.NaN;
    for (const line of readFileSync(stats, "utf8").split("\n")) {
      const pts = /pts_time:([-\d.e]+)/.exec(line);
      if (pts) ms = Number(pts[1]) * 1000;
      const y = /YAVG=([\d.]+)/.exec(line);
      if (y && Number.isFinite(ms)) out.push({ ms, luma: Number(y[1]) });
    }
    return out;
  } finally {
    rmSync(stats, { force: true });
  }
}

/**
 * Mono PCM (float, 48 kHz) of the first audio stream with sample 0 = file time 0: gaps filled with silence and a
 * late first packet padded in front (`first_pts=0`), so sample index / 48000 is the file time.
 */
export function pcmFromFileTimeZero(file: string): Float32Array {
  const raw = execFileSync(
    "ffmpeg",
    ["-v", "error", "-i", file, "-vn", "-af", "aresample=48000:async=1:first_pts=0", "-ac", "1", "-f", "f32le", "-"],
    { maxBuffer: 256 << 20 },
  );
  return new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
}

/** Frame times (ms) where the luma jumps from the dark level to the bright one. */
export function flashOnsets(series: { ms: number; luma: number }[]): number[] {
  if (series.length < 2) return [];
  const sorted = series.map((f) => f.luma).sort((a, b) => a - b);
  const dark = sorted[Math.floor(sorted.length * 0.1)];
  const bright = sorted[sorted.length - 1];
  if (bright - dark < 50) return []; // no flash at all
  const mid = (dark + bright) / 2;
  const onsets: number[] = [];
  for (let i = 1; i < series.length; i++) if (series[i].luma > mid && series[i - 1].luma <= mid) onsets.push(series[i].ms);
  return onsets;
}

/** Times (ms) where the envelope rises above a third of the loudest beep after at least 300 ms below it. */
export function beepOnsets(pcm: Float32Array, sampleRate = 48_000): number[] {
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  if (peak < 0.05) return [];
  const threshold = peak / 3;
  const quiet = Math.round(0.3 * sampleRate);
  const onsets: number[] = [];
  let lastLoud = -Infinity;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]) < threshold) continue;
    if (i - lastLoud > quiet) onsets.push((i / sampleRate) * 1000);
    lastLoud = i;
  }
  return onsets;
}

export interface MarkPair {
  flashMs: number;
  beepMs: number;
  /** beep − flash: positive means audio late. */
  offsetMs: number;
}

/** Each flash with the nearest beep within `maxMs` (times already on one clock). */
export function pairMarks(flashes: number[], beeps: number[], maxMs = 500): MarkPair[] {
  const pairs: MarkPair[] = [];
  for (const flashMs of flashes) {
    const beepMs = beeps.reduce((best, b) => (Math.abs(b - flashMs) < Math.abs(best - flashMs) ? b : best), Infinity);
    if (Math.abs(beepMs - flashMs) <= maxMs) pairs.push({ flashMs, beepMs, offsetMs: beepMs - flashMs });
  }
  return pairs;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Marks of a file that holds both streams (or of two files on one clock, each shifted by its zero in ms). */
export function measureMarks(videoFile: string, audioFile = videoFile, shift = { videoMs: 0, audioMs: 0 }) {
  const flashes = flashOnsets(lumaSeries(videoFile)).map((t) => t + shift.videoMs);
  const beeps = beepOnsets(pcmFromFileTimeZero(audioFile)).map((t) => t + shift.audioMs);
  const pairs = pairMarks(flashes, beeps);
  return {
    flashes,
    beeps,
    pairs,
    medianAbsOffsetMs: median(pairs.map((p) => Math.abs(p.offsetMs))),
    medianOffsetMs: median(pairs.map((p) => p.offsetMs)),
  };
}

/**
 * The A/V offset of each mark in a movie, with sub-frame care. `raw` are the marks of the tracks the recorder wrote, on
 * the sender's clock: their beep − flash is what capture and transport delivered, exactly (a flash at its frame's
 * capture time). The movie places audio sample-exact, so movie beep − raw beep is one number A for every mark; its
 * video lands on a tick of its frame grid, so movie flash − raw flash is V plus that mark's rounding, and over marks at
 * phases spread across a tick their mean is V. A mark's offset in the movie, its rounding aside, is raw + (A − V).
 */
export function subFrameOffsets(raw: MarkPair[], movie: MarkPair[]) {
  // A is the shift that most raw beeps share with movie beeps: pairs each movie mark with its raw one.
  const diffs = movie.flatMap((m) => raw.map((r) => m.beepMs - r.beepMs));
  const shift = diffs.reduce(
    (best, d) => {
      const count = diffs.filter((e) => Math.abs(e - d) <= 2).length;
      return count > best.count ? { d, count } : best;
    },
    { d: Number.NaN, count: 0 },
  ).d;
  const matched = movie.flatMap((m) => {
    const r = raw.find((x) => Math.abs(m.beepMs - x.beepMs - shift) <= 2);
    return r ? [{ raw: r, movie: m }] : [];
  });
  const audioShifts = matched.map((p) => p.movie.beepMs - p.raw.beepMs);
  const audioShiftMs = median(audioShifts);
  const videoShiftMs = matched.reduce((sum, p) => sum + p.movie.flashMs - p.raw.flashMs, 0) / matched.length;
  const marks = matched.map((p) => ({
    movieMs: p.movie.flashMs,
    roundingMs: p.movie.flashMs - p.raw.flashMs - videoShiftMs,
    rawOffsetMs: p.raw.offsetMs,
    offsetMs: p.raw.offsetMs + audioShiftMs - videoShiftMs,
  }));
  return {
    marks,
    /** What the compositor adds: + = audio moved later than video. */
    compositorMs: audioShiftMs - videoShiftMs,
    /** max − min of A: audio on one continuous time line (window joins included) keeps this near 0. */
    audioSpreadMs: Math.max(...audioShifts) - Math.min(...audioShifts),
    /** max − min of the roundings: marks spread over a whole tick make the mean V. */
    phaseSpreadMs: Math.max(...marks.map((m) => m.roundingMs)) - Math.min(...marks.map((m) => m.roundingMs)),
  };
}
