import { buildFilterGraph } from "@/lib/compositing/filter-graph";
import { windowInputs, type MediaInput } from "@/lib/compositing/inputs";
import type { Segment } from "@/lib/compositing/layout";
import type { Timeline, TimelineTrack, TimeSpan } from "@/lib/compositing/timeline";

/**
 * ffmpeg argument arrays (pure: no spawning, no files touched). Two modes share one filter graph builder:
 * - post-call: the whole recording → one MP4 (H.264 + AAC 48 kHz, +faststart, exact duration);
 * - windowed: each closed time window → an MPEG-TS of video (starting with a keyframe, closed GOPs, identical
 *   encoder settings) plus a WAV of the mixed audio; at Stop the windows are joined with the concat demuxer,
 *   video copied (never re-encoded), audio encoded once from the sample-exact PCM (AAC per window would add
 *   priming samples and a gap at every join), which costs about a second per 10 minutes.
 */

export interface EncoderSettings {
  fps: number;
  preset: string;
  crf: number;
  /** Keyframe interval in frames. */
  gop: number;
  audioBitrate: string;
}

export const DEFAULT_ENCODER: EncoderSettings = { fps: 25, preset: "veryfast", crf: 23, gop: 50, audioBitrate: "128k" };

/** Fonts for name labels, first present wins (Debian: fonts-dejavu-core, pulled in by fontconfig). */
export const FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
];

export interface CompositeRequest {
  timeline: Timeline;
  segments: Segment[];
  width: number;
  height: number;
  /** null: name tiles are drawn as colour only. */
  fontFile: string | null;
  /** Absolute path of a track's file. */
  inputPath: (track: TimelineTrack) => string;
  /** The file's first timestamp (ffprobe start_time) in ms; default 0. */
  startMsOf?: (track: TimelineTrack) => number;
  /** Render only this output-time window; default the whole timeline. */
  window?: TimeSpan;
  encoder?: Partial<EncoderSettings>;
  /** When set, the graph is passed as -filter_complex_script FILE (the caller writes `filterGraph` there). */
  filterScriptFile?: string;
}

export interface BuiltCommand {
  args: string[];
  filterGraph: string;
  inputs: MediaInput[];
  /** Exact duration of the output(s). */
  durationMs: number;
}

const sec = (ms: number) => (ms / 1000).toFixed(3);

function common(req: CompositeRequest) {
  const enc = { ...DEFAULT_ENCODER, ...req.encoder };
  const window = req.window ?? { fromMs: 0, toMs: req.timeline.durationMs };
  const durationMs = window.toMs - window.fromMs;
  if (durationMs <= 0) throw new RangeError(`empty window ${window.fromMs}..${window.toMs}`);
  const inputs = windowInputs(req.timeline, window, { startMsOf: req.startMsOf });
  const fg = buildFilterGraph(req.segments, inputs, window, {
    width: 2 * Math.floor(req.width / 2),
    height: 2 * Math.floor(req.height / 2),
    fps: enc.fps,
    fontFile: req.fontFile,
  });
  const inputArgs = inputs.flatMap((i) => [
    // A resolution change mid-track must not re-create the graph (its colour base would restart); scale copes.
    ...(i.kind === "video" ? ["-reinit_filter", "0"] : []),
    ...(i.seekMs > 0 ? ["-ss", sec(i.seekMs)] : []),
    "-t",
    sec(i.durationMs),
    "-i",
    req.inputPath(i.track),
  ]);
  const graphArgs = req.filterScriptFile ? ["-filter_complex_script", req.filterScriptFile] : ["-filter_complex", fg.graph];
  const video = [
    "-c:v",
    "libx264",
    "-preset",
    enc.preset,
    "-crf",
    String(enc.crf),
    "-pix_fmt",
    "yuv420p",
    "-r",
    String(enc.fps),
    "-g",
    String(enc.gop),
  ];
  return { enc, durationMs, inputs, fg, head: ["-hide_banner", "-y", ...inputArgs, ...graphArgs], video };
}

/** Post-call: the window (default all) → one MP4. */
export function compositeMp4Args(req: CompositeRequest, outFile: string): BuiltCommand {
  const c = common(req);
  const args = [
    ...c.head,
    "-map",
    c.fg.videoLabel,
    "-map",
    c.fg.audioLabel,
    ...c.video,
    "-c:a",
    "aac",
    "-b:a",
    c.enc.audioBitrate,
    "-ar",
    "48000",
    "-ac",
    "2",
    "-t",
    sec(c.durationMs),
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    outFile,
  ];
  return { args, filterGraph: c.fg.graph, inputs: c.inputs, durationMs: c.durationMs };
}

/**
 * Windowed: one window → video-only MPEG-TS (keyframe first) + PCM WAV of the same exact length. Live windows
 * render a little past their end (`videoMs` cuts the video at the window's end; the audio keeps the lookahead)
 * and take the audio as raw s16le.
 */
export function compositeWindowArgs(
  req: CompositeRequest & { window: TimeSpan },
  videoFile: string,
  audioFile: string,
  o: { videoMs?: number; audioFormat?: "wav" | "s16le" } = {},
): BuiltCommand {
  const c = common(req);
  const args = [
    ...c.head,
    "-map",
    c.fg.videoLabel,
    ...c.video,
    "-force_key_frames",
    "expr:eq(n,0)",
    "-t",
    sec(o.videoMs ?? c.durationMs),
    "-f",
    "mpegts",
    videoFile,
    "-map",
    c.fg.audioLabel,
    "-c:a",
    "pcm_s16le",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-t",
    sec(c.durationMs),
    "-f",
    o.audioFormat ?? "wav",
    audioFile,
  ];
  return { args, filterGraph: c.fg.graph, inputs: c.inputs, durationMs: c.durationMs };
}

/** Text of a concat-demuxer list; explicit durations keep every join exactly where the window ends. */
export function concatList(parts: { file: string; durationMs: number }[]): string {
  const quote = (f: string) => `'${f.replace(/'/g, "'\\''")}'`;
  return parts.map((p) => `file ${quote(p.file)}\nduration ${sec(p.durationMs)}\n`).join("");
}

/** Joins windows: video copied from the TS parts, audio encoded once from the WAV parts, +faststart. */
export function joinWindowsArgs(
  videoListFile: string,
  audioListFile: string,
  durationMs: number,
  outFile: string,
  audioBitrate = DEFAULT_ENCODER.audioBitrate,
): string[] {
  return [
    "-hide_banner",
    "-y",
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    videoListFile,
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    audioListFile,
    "-map",
    "0:v:0",
    "-map",
    "1:a:0",
    "-c:v",
    "copy",
    "-c:a",
    "aac",
    "-b:a",
    audioBitrate,
    "-ar",
    "48000",
    "-ac",
    "2",
    "-t",
    sec(durationMs),
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    outFile,
  ];
}

/** One JPEG frame at atMs of a finished movie. */
export function posterArgs(movieFile: string, atMs: number, jpegFile: string, width?: number): string[] {
  return [
    "-hide_banner",
    "-y",
    "-ss",
    sec(Math.max(0, atMs)),
    "-i",
    movieFile,
    "-frames:v",
    "1",
    ...(width ? ["-vf", `scale=${width}:-2`] : []),
    "-q:v",
    "3",
    "-f",
    "image2",
    jpegFile,
  ];
}

/** Window boundaries for windowed rendering: fixed-length windows (a multiple of the frame time), the last one shorter. */
export function windowsOf(durationMs: number, windowMs: number, fps = DEFAULT_ENCODER.fps): TimeSpan[] {
  const frame = 1000 / fps;
  const step = Math.max(frame, Math.round(windowMs / frame) * frame);
  const out: TimeSpan[] = [];
  for (let from = 0; from < durationMs; from += step) out.push({ fromMs: from, toMs: Math.min(durationMs, from + step) });
  return out;
}
