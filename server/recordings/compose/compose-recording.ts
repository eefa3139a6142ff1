import { existsSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  compositeMp4Args,
  compositeWindowArgs,
  concatList,
  FONT_CANDIDATES,
  joinWindowsArgs,
  posterArgs,
  windowsOf,
  type CompositeRequest,
  type EncoderSettings,
} from "@/lib/compositing/ffmpeg-args";
import { layoutSegments, type Segment } from "@/lib/compositing/layout";
import { parseManifest, type SkippedLine } from "@/lib/compositing/manifest";
import {
  buildTimeline,
  type LayoutChange,
  type LayoutName,
  type Timeline,
  type TimelineTrack,
  type TimeSpan,
} from "@/lib/compositing/timeline";
import { ffprobe, FfprobeError } from "@/server/recordings/compose/ffprobe";
import { runFfmpeg, type FfmpegProgress } from "@/server/recordings/compose/ffmpeg-runner";
import type { FailureKind } from "@/lib/errors/catalog";

/**
 * One recording folder → one MP4 and a poster JPEG. Post-call mode renders the whole timeline in one ffmpeg run;
 * windowed mode (windowMs set) renders fixed windows and joins them without re-encoding video, the shape the
 * live "movie within seconds of Stop" path will use (windows rendered while the call runs).
 */

export interface ComposeRecordingOptions {
  recordingDir: string;
  manifestText: string;
  /** Capture spans in wall clock (Unix ms); pauses are the gaps. The first start and last end are the range. */
  spans: TimeSpan[];
  layoutChanges?: LayoutChange[];
  defaultLayout?: LayoutName;
  output?: { width?: number; height?: number };
  outFile: string;
  posterFile?: string;
  onProgress?: (percent: number, detail?: FfmpegProgress) => void;
  onLog?: (line: string) => void;
  /**
   * Render in windows of this length and join them (closed GOPs, concat -c copy). Default: one pass up to
   * 10 minutes, 60 s windows above (a one-pass graph grows with every re-tile); 0 forces one pass.
   */
  windowMs?: number;
  /** Per ffmpeg run; default 4× the movie's length plus a minute. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Default: first of FONT_CANDIDATES that exists; null forces colour-only name tiles. */
  fontFile?: string | null;
  /** The ffmpeg and ffprobe programs (default: found on PATH). */
  tools?: { ffmpeg: string; ffprobe: string };
  encoder?: Partial<EncoderSettings>;
}

export interface ComposeRecordingResult {
  durationMs: number;
  segments: Segment[];
  timeline: Timeline;
  skippedManifestLines: SkippedLine[];
  /** Tracks left out because the recorder recorded them empty (no frame written) and their file does not probe. */
  droppedTracks: { trackId: string; file: string; reason: string }[];
  fontFile: string | null;
  elapsedMs: number;
}

const LONG_RECORDING_MS = 10 * 60_000;
const LONG_RECORDING_WINDOW_MS = 60_000;

/**
 * A track the manifest names is missing or unreadable (and the recorder did not record it as empty). Thrown, not
 * worked around: a movie without it would show a name tile and silence where the participant spoke, and say ready.
 * The job retries (the files may still be arriving) and, on its last try, the recording fails with this message.
 */
export class MissingTrackError extends Error {
  readonly kind: FailureKind = "compositing.track-missing";
  constructor(readonly tracks: { trackId: string; file: string; reason: string }[]) {
    super(
      `${tracks.length} recorded track(s) missing or unreadable: ${tracks.map((t) => `${t.file} (${t.reason})`).join("; ")}`.slice(0, 900),
    );
    this.name = "MissingTrackError";
  }
}

export class ComposeError extends Error {
  readonly kind: FailureKind = "compositing.empty-recording";
  constructor(
    readonly code: "empty-recording",
    message: string,
  ) {
    super(message);
    this.name = "ComposeError";
  }
}

/** Everything needed to render any window of a recording: built once per job (or per live tick). */
export interface Composition {
  timeline: Timeline;
  segments: Segment[];
  request: CompositeRequest;
  skippedManifestLines: SkippedLine[];
  droppedTracks: ComposeRecordingResult["droppedTracks"];
}

/** A track file's first timestamp and size do not change as it grows: live compositing probes each once. */
export type ProbeCache = Map<string, { startMs: number; width?: number; height?: number }>;

export type PrepareOptions = Pick<
  ComposeRecordingOptions,
  "recordingDir" | "manifestText" | "spans" | "layoutChanges" | "defaultLayout" | "output" | "fontFile" | "tools" | "encoder"
> & { probeCache?: ProbeCache };

/**
 * Manifest → timeline → probed files → layout. For the live path, call it with the spans so far (the last one
 * ending now): windows that are closed come out the same as they will in the final timeline.
 */
export async function prepareComposition(o: PrepareOptions): Promise<Composition> {
  const { events, skipped } = parseManifest(o.manifestText);
  const spans = o.spans.length > 0 ? o.spans : [wholeManifestRange(events)];
  const range = { fromMs: Math.min(...spans.map((s) => s.fromMs)), toMs: Math.max(...spans.map((s) => s.toMs)) };
  const timeline = buildTimeline({ events, range, spans, layoutChanges: o.layoutChanges, defaultLayout: o.defaultLayout });
  if (timeline.durationMs <= 0) throw new ComposeError("empty-recording", "the recording has no captured time");
  const recordedEmpty = new Set(events.flatMap((e) => (e.type === "track-end" && e.frames === 0 ? [e.trackId] : [])));
  const { startMs, dropped } = await probeTracks(timeline, o.recordingDir, recordedEmpty, o.tools?.ffprobe, o.probeCache);
  const width = o.output?.width ?? 1280;
  const height = o.output?.height ?? 720;
  const segments = layoutSegments(timeline, { width, height });
  const fontFile = o.fontFile === undefined ? (FONT_CANDIDATES.find((f) => existsSync(f)) ?? null) : o.fontFile;
  const request: CompositeRequest = {
    timeline,
    segments,
    width,
    height,
    fontFile,
    inputPath: (t) => path.resolve(o.recordingDir, t.file),
    startMsOf: (t) => startMs.get(t.trackId) ?? 0,
    encoder: o.encoder,
  };
  return { timeline, segments, request, skippedManifestLines: skipped, droppedTracks: dropped };
}

export interface WindowPart {
  video: string;
  audio: string;
  durationMs: number;
}

type RunOptions = Pick<ComposeRecordingOptions, "signal" | "onLog" | "timeoutMs" | "tools">;

function runner(o: RunOptions) {
  return (args: string[], durationMs: number, onProgress?: (p: FfmpegProgress) => void) =>
    runFfmpeg(args, {
      binary: o.tools?.ffmpeg,
      durationMs,
      onProgress,
      signal: o.signal,
      onStderrLine: o.onLog,
      timeoutMs: o.timeoutMs ?? 4 * durationMs + 60_000,
    });
}

/** Renders one window to `<dir>/<name>.ts` (video, keyframe first) and `<dir>/<name>.wav`. */
export async function renderWindow(
  c: Composition,
  window: TimeSpan,
  dir: string,
  name: string,
  o: RunOptions & { onProgress?: (p: FfmpegProgress) => void } = {},
): Promise<WindowPart> {
  await mkdir(dir, { recursive: true });
  const part = { video: path.join(dir, `${name}.ts`), audio: path.join(dir, `${name}.wav`), durationMs: window.toMs - window.fromMs };
  const script = path.join(dir, `${name}.graph.txt`);
  const cmd = compositeWindowArgs({ ...c.request, window, filterScriptFile: script }, part.video, part.audio);
  await writeFile(script, cmd.filterGraph);
  await runner(o)(cmd.args, cmd.durationMs, o.onProgress);
  return part;
}

/** Joins rendered windows (in order) into one +faststart MP4; video is copied, audio encoded once. */
export async function joinWindows(parts: WindowPart[], outFile: string, o: RunOptions = {}): Promise<void> {
  const durationMs = parts.reduce((sum, p) => sum + p.durationMs, 0);
  const lists = { video: `${outFile}.video.txt`, audio: `${outFile}.audio.txt` };
  await writeFile(lists.video, concatList(parts.map((p) => ({ file: p.video, durationMs: p.durationMs }))));
  await writeFile(lists.audio, concatList(parts.map((p) => ({ file: p.audio, durationMs: p.durationMs }))));
  try {
    await runner(o)(joinWindowsArgs(lists.video, lists.audio, durationMs, outFile), durationMs);
  } finally {
    await Promise.all([rm(lists.video, { force: true }), rm(lists.audio, { force: true })]);
  }
}

export async function composeRecording(o: ComposeRecordingOptions): Promise<ComposeRecordingResult> {
  const started = Date.now();
  const c = await prepareComposition(o);
  const { timeline } = c;
  const run = runner(o);
  await mkdir(path.dirname(o.outFile), { recursive: true });
  const work = `${o.outFile}.parts`;
  await mkdir(work, { recursive: true });
  const windowMs = o.windowMs ?? (timeline.durationMs > LONG_RECORDING_MS ? LONG_RECORDING_WINDOW_MS : 0);
  try {
    if (!windowMs) {
      const script = path.join(work, "graph.txt");
      const cmd = compositeMp4Args({ ...c.request, filterScriptFile: script }, o.outFile);
      await writeFile(script, cmd.filterGraph);
      await run(cmd.args, cmd.durationMs, (p) => o.onProgress?.(Math.min(99, p.percent ?? 0), p));
    } else {
      const parts: WindowPart[] = [];
      for (const [i, w] of windowsOf(timeline.durationMs, windowMs, o.encoder?.fps).entries()) {
        const onProgress = (p: FfmpegProgress) =>
          o.onProgress?.(Math.min(98, (w.fromMs + ((p.percent ?? 0) / 100) * (w.toMs - w.fromMs)) * (100 / timeline.durationMs)), p);
        parts.push(await renderWindow(c, w, work, `w${String(i).padStart(5, "0")}`, { ...o, onProgress }));
      }
      await joinWindows(parts, o.outFile, o);
    }
    if (o.posterFile) {
      await run(posterArgs(o.outFile, Math.min(3000, timeline.durationMs / 2), o.posterFile), 1000);
      // A movie of a frame or two ends before that instant and ffmpeg writes nothing: take its first frame.
      if (!(await stat(o.posterFile).catch(() => null))) await run(posterArgs(o.outFile, 0, o.posterFile), 1000);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  o.onProgress?.(100);
  return {
    durationMs: timeline.durationMs,
    segments: c.segments,
    timeline,
    skippedManifestLines: c.skippedManifestLines,
    droppedTracks: c.droppedTracks,
    fontFile: c.request.fontFile,
    elapsedMs: Date.now() - started,
  };
}

/**
 * ffprobe every track: its first timestamp (ffmpeg rebases each input to it, so it is added back when placing the
 * track) and, where the manifest had no video-size, the frame size. A track recorded empty (track-end with no frame)
 * that does not probe is left out; any other missing or unreadable track fails the composition (MissingTrackError).
 */
async function probeTracks(timeline: Timeline, dir: string, recordedEmpty: Set<string>, ffprobeBinary?: string, cache?: ProbeCache) {
  const startMs = new Map<string, number>();
  const dropped: ComposeRecordingResult["droppedTracks"] = [];
  const missing: ComposeRecordingResult["droppedTracks"] = [];
  const probeOne = async (t: TimelineTrack): Promise<boolean> => {
    try {
      let probed = cache?.get(t.trackId);
      if (!probed) {
        const info = await ffprobe(path.resolve(dir, t.file), { binary: ffprobeBinary });
        const stream = info.streams.find((s) => s.type === t.kind);
        if (!stream) throw new Error(`no ${t.kind} stream`);
        probed = { startMs: stream.startMs ?? info.startMs ?? 0, width: stream.width, height: stream.height };
        cache?.set(t.trackId, probed);
      }
      startMs.set(t.trackId, probed.startMs);
      if (t.kind === "video" && t.width === undefined && probed.width) Object.assign(t, { width: probed.width, height: probed.height });
      return true;
    } catch (e) {
      if (e instanceof FfprobeError && e.code === "ffprobe-not-found") throw e;
      const reason = e instanceof Error ? e.message : String(e);
      (recordedEmpty.has(t.trackId) ? dropped : missing).push({ trackId: t.trackId, file: t.file, reason });
      return false;
    }
  };
  for (const s of timeline.sessions) {
    const keepVideo = await Promise.all(s.video.map(probeOne));
    const keepAudio = await Promise.all(s.audio.map(probeOne));
    s.video = s.video.filter((_, i) => keepVideo[i]);
    s.audio = s.audio.filter((_, i) => keepAudio[i]);
  }
  if (missing.length) throw new MissingTrackError(missing);
  return { startMs, dropped };
}

function wholeManifestRange(events: { atMs: number }[]): TimeSpan {
  if (events.length === 0) return { fromMs: 0, toMs: 0 };
  return { fromMs: Math.min(...events.map((e) => e.atMs)), toMs: Math.max(...events.map((e) => e.atMs)) };
}
