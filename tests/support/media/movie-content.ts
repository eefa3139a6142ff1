// What a composited movie holds, checked against what each participant sent: their colour fills their own tile
// (the layout engine's rectangle) and their tone is audible through the movie. A movie of name tiles, or silence
// where a tone was sent, fails: checking that streams exist did not catch either.
import { execFileSync } from "node:child_process";
import { gridRects } from "@/lib/compositing/layout";

export type Rgb = [number, number, number];

export interface SentMedia {
  /** Who sent it, for messages. */
  label: string;
  /** A saturated colour, far from the compositor's name-tile colours (TILE_COLORS). */
  rgb: Rgb;
  toneHz: number;
}

/** Distinct saturated colours and tones whose harmonics do not meet; index by participant. */
export const PARTICIPANT_MEDIA: readonly Omit<SentMedia, "label">[] = [
  { rgb: [220, 40, 40], toneHz: 440 },
  { rgb: [40, 200, 60], toneHz: 700 },
  { rgb: [230, 210, 30], toneHz: 1130 },
  { rgb: [30, 190, 230], toneHz: 1570 },
];

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MovieContent {
  width: number;
  height: number;
  durationSeconds: number;
  /** Per participant: the grid tile showing its colour at every sampled instant (-1: none did). */
  tiles: { label: string; tile: number; seen: Rgb[] }[];
  /** Per participant: seconds (inner ones, the first and last left out) in which its tone stood out. */
  tones: { label: string; secondsWithTone: number; seconds: number; meanAmplitude: number }[];
}

const COLOUR_TOLERANCE = 45;
/** A tone "stands out" at ≥ -50 dBFS and 10× the level at nearby frequencies nobody sent. */
const MIN_TONE_AMPLITUDE = 0.003;
const MIN_TONE_CONTRAST = 10;
const SAMPLE_RATE = 16_000;

const distance = (a: Rgb, b: Rgb) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

function probe(movie: string) {
  const out = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height", "-of", "json", movie], {
      encoding: "utf8",
    }),
  ) as { format: { duration: string }; streams: { codec_type: string; width?: number; height?: number }[] };
  const video = out.streams.find((s) => s.codec_type === "video");
  if (!video?.width || !video.height) throw new Error(`${movie} has no video stream`);
  return { width: video.width, height: video.height, durationSeconds: Number(out.format.duration) };
}

/** Mean colour of the middle of each rectangle (the middle 40%: away from borders and the name label). */
function meanColours(movie: string, atSeconds: number, width: number, height: number, rects: Rect[]): Rgb[] {
  const frame = execFileSync(
    "ffmpeg",
    ["-v", "error", "-ss", atSeconds.toFixed(3), "-i", movie, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    { maxBuffer: 64 << 20 },
  );
  if (frame.length !== width * height * 3) throw new Error(`no frame at ${atSeconds.toFixed(1)} s of ${movie}`);
  return rects.map((r) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = Math.round(r.y + 0.3 * r.h); y < r.y + 0.7 * r.h; y += 2) {
      for (let x = Math.round(r.x + 0.3 * r.w); x < r.x + 0.7 * r.w; x += 2) {
        const i = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) sum[c]! += frame[i + c]!;
        n++;
      }
    }
    return sum.map((s) => Math.round(s / n)) as Rgb;
  });
}

/** Amplitude of one frequency in a block of samples (Goertzel), 1.0 for a full-scale sine. */
function amplitudeAt(samples: Float32Array, from: number, length: number, hz: number): number {
  const k = (2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE)) as number;
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < from + length; i++) {
    const s0 = samples[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / length;
}

function monoSamples(movie: string): Float32Array {
  const raw = execFileSync("ffmpeg", ["-v", "error", "-i", movie, "-vn", "-ac", "1", "-ar", String(SAMPLE_RATE), "-f", "f32le", "-"], {
    maxBuffer: 512 << 20,
  });
  return new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 4));
}

/**
 * Reads the movie. Tiles: the layout engine's grid for this many participants over the whole frame (all present
 * and showing camera video, the usual help-desk call); colours are sampled at 50 %, 65 % and 80 % of the movie
 * (browsers start sending a second or two after Start recording, which is the movie's time 0).
 */
export function readMovieContent(movie: string, sent: SentMedia[]): MovieContent {
  const { width, height, durationSeconds } = probe(movie);
  const rects = gridRects(sent.length, { x: 0, y: 0, w: width, h: height });
  const instants = [0.5, 0.65, 0.8].map((f) => f * durationSeconds);
  const colours = instants.map((t) => meanColours(movie, t, width, height, rects));
  const tiles = sent.map((p) => {
    const tile = rects.findIndex((_, i) => colours.every((atT) => distance(atT[i]!, p.rgb) <= COLOUR_TOLERANCE));
    return { label: p.label, tile, seen: colours.map((atT) => atT[tile === -1 ? 0 : tile]!) };
  });

  const samples = monoSamples(movie);
  const seconds = Math.floor(samples.length / SAMPLE_RATE);
  const tones = sent.map((p) => {
    let secondsWithTone = 0;
    let total = 0;
    for (let s = 1; s < seconds - 1; s++) {
      const at = s * SAMPLE_RATE;
      const level = amplitudeAt(samples, at, SAMPLE_RATE, p.toneHz);
      const nearby = Math.max(...[0.83, 1.21].map((f) => amplitudeAt(samples, at, SAMPLE_RATE, p.toneHz * f)));
      total += level;
      if (level >= MIN_TONE_AMPLITUDE && level >= MIN_TONE_CONTRAST * nearby) secondsWithTone++;
    }
    return { label: p.label, secondsWithTone, seconds: Math.max(0, seconds - 2), meanAmplitude: total / Math.max(1, seconds - 2) };
  });
  return { width, height, durationSeconds, tiles, tones };
}

/**
 * Throws unless every participant's colour fills a tile of its own and its tone is heard in at least
 * `minToneShare` of the movie's inner seconds. Returns what was read, for the test's log.
 */
export function expectMovieContent(movie: string, sent: SentMedia[], o: { minToneShare?: number } = {}): MovieContent {
  const content = readMovieContent(movie, sent);
  const problems: string[] = [];
  const used = new Set<number>();
  for (const t of content.tiles) {
    if (t.tile === -1)
      problems.push(`${t.label}: no tile shows its colour (centre of tile 1 was ${t.seen.map((c) => `rgb(${c})`).join(", ")})`);
    else if (used.has(t.tile)) problems.push(`${t.label}: shares tile ${t.tile + 1} with another participant`);
    used.add(t.tile);
  }
  const share = o.minToneShare ?? 0.7;
  for (const t of content.tones) {
    if (t.seconds === 0 || t.secondsWithTone < share * t.seconds)
      problems.push(`${t.label}: tone heard in ${t.secondsWithTone} of ${t.seconds} s (mean amplitude ${t.meanAmplitude.toFixed(4)})`);
  }
  if (problems.length) throw new Error(`${movie} does not hold what was sent:\n  ${problems.join("\n  ")}`);
  return content;
}

/**
 * Second by second, whether a participant's media is anywhere in the movie: their colour on at least 1 % of the
 * frame (one frame per second, downscaled) and their tone standing out in that second's audio. For checks of who
 * must NOT be in a movie, or only for part of it, whatever the layout.
 */
export function traceOverTime(movie: string, p: SentMedia): { second: number; colour: boolean; tone: boolean }[] {
  const { durationSeconds } = probe(movie);
  const [w, h] = [160, 90];
  const frames = execFileSync(
    "ffmpeg",
    ["-v", "error", "-i", movie, "-vf", `fps=1:start_time=0.5,scale=${w}:${h}`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    { maxBuffer: 64 << 20 },
  );
  const samples = monoSamples(movie);
  const seconds = Math.min(Math.floor(durationSeconds), Math.floor(frames.length / (w * h * 3)));
  const out: { second: number; colour: boolean; tone: boolean }[] = [];
  for (let s = 0; s < seconds; s++) {
    let matching = 0;
    for (let i = 0; i < w * h; i++) {
      const o = (s * w * h + i) * 3;
      if (distance([frames[o]!, frames[o + 1]!, frames[o + 2]!], p.rgb) <= COLOUR_TOLERANCE) matching++;
    }
    let tone = false;
    if ((s + 1) * SAMPLE_RATE <= samples.length) {
      const at = s * SAMPLE_RATE;
      const level = amplitudeAt(samples, at, SAMPLE_RATE, p.toneHz);
      const nearby = Math.max(...[0.83, 1.21].map((f) => amplitudeAt(samples, at, SAMPLE_RATE, p.toneHz * f)));
      tone = level >= MIN_TONE_AMPLITUDE && level >= MIN_TONE_CONTRAST * nearby;
    }
    out.push({ second: s, colour: matching >= 0.01 * w * h, tone });
  }
  return out;
}
