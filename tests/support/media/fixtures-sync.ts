import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Known-sync media for Chromium's fake capture devices, and the measurements that find the sync marks again in
 * whatever comes out (raw recorder track files, the composited MP4). A "mark" is a white flash on black video
 * and a 1 kHz beep on silence that the source starts at the same instant.
 */

export const SYNC_SOURCE = { seconds: 8, fps: 30, width: 640, height: 360, sampleRate: 48_000, firstMarkS: 1, everyS: 2, markMs: 100 };

/**
 * Writes `sync.y4m` and `sync.wav` of the same length: Chromium loops both files (video and audio capture each
 * restart at their own end), so equal lengths keep the marks together on every loop.
 */
export function makeSyncSource(dir: string) {
  const s = SYNC_SOURCE;
  const video = path.join(dir, "sync.y4m");
  const audio = path.join(dir, "sync.wav");
  const period = s.everyS * s.fps;
  const first = s.firstMarkS * s.fps;
  const flashFrames = Math.round((s.markMs / 1000) * s.fps); // 3 frames = 100 ms, like the beep
  // Frame-exact flash: frames first..first+2 of every period are white (three, so one dropped frame still shows it).
  const flash = `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(mod(n-${first}+${period},${period}),0,${flashFrames - 1})'`;
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `color=c=black:s=${s.width}x${s.height}:r=${s.fps}:d=${s.seconds}`,
    "-vf",
    flash,
    "-pix_fmt",
    "yuv420p",
    "-f",
    "yuv4mpegpipe",
    video,
  ]);
  // Sample-exact beep: a sine gated on [first + k·every, first + k·every + 100 ms).
  const gate = `gte(mod(t-${s.firstMarkS}+${s.everyS},${s.everyS}),0)*lt(mod(t-${s.firstMarkS}+${s.everyS},${s.everyS}),${s.markMs / 1000})`;
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `aevalsrc='0.5*sin(2*PI*1000*t)*${gate}':s=${s.sampleRate}:d=${s.seconds}`,
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
