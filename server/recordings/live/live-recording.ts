// One running recording's live output: on every tick, the windows that closed since the last one are composited
// from the raw files so far (the same manifest → timeline → layout path as the final movie, with the open span
// ending a settle margin before now) and stored as fMP4 segments with the index that lists them.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_ENCODER, type EncoderSettings } from "@/lib/compositing/ffmpeg-args";
import { closedWindow, isBlankWindow, liveKeys, type LiveSegment, windowPreset } from "@/lib/compositing/live";
import { windowReadNeeds } from "@/lib/compositing/inputs";
import { parseManifest } from "@/lib/compositing/manifest";
import type { LayoutChange, LayoutName, TimeSpan } from "@/lib/compositing/timeline";
import { ReadableEnd } from "@/recorder/recovery";
import type { Logger } from "@/server/platform/logger";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import {
  type Composition,
  ComposeError,
  MissingTrackError,
  prepareComposition,
  type ProbeCache,
} from "@/server/recordings/compose/compose-recording";
import { basisOf, layoutBasisOf, livePrefix, writeLiveIndex } from "@/server/recordings/live/live-index";
import { avcDecoderConfig, shiftFragments } from "@/server/recordings/live/fmp4";
import { type LiveWindowResult, renderLiveWindow } from "@/server/recordings/live/render-live-window";
import { LiveMovieUpload, type LiveMovieUploadOptions } from "@/server/recordings/live/live-movie-upload";

/** What the database says about the recording right now. */
export interface LiveSource {
  spans: { from: Date; to: Date | null }[];
  layout: LayoutName;
  layoutChanges: LayoutChange[];
}

export interface LiveRecordingOptions {
  recordingId: string;
  recordingDir: string;
  workDir: string;
  storage: ObjectStorage;
  windowMs: number;
  /** Media younger than this may still be in the recorder's jitter buffer or unflushed cluster. */
  settleMs: number;
  output: { width: number; height: number };
  encoder?: Partial<EncoderSettings>;
  tools?: { ffmpeg: string; ffprobe: string };
  read: () => Promise<LiveSource | null>;
  logger: Logger;
  clock?: () => number;
  /**
   * How long past its end a closed window waits for a track file that is not yet readable that far (the recorder
   * writes a second of media at a time, later under load) before it is rendered without what is missing.
   * Default windowMs.
   */
  mediaWaitMs?: number;
  /** Upload the movie's bytes while recording (live-movie-upload.ts). */
  streamMovie?: Pick<LiveMovieUploadOptions, "partBytes" | "headerBytes" | "retry">;
}

const CONTENT_TYPES: Record<string, string> = { init: "video/mp4", segment: "video/iso.segment" };

export class LiveRecording {
  readonly segments: LiveSegment[] = [];
  private tail: Buffer | null = null;
  private readonly probed: ProbeCache = new Map();
  /** Captured output time not yet in a stored window (the last tick's view). */
  lagMs = 0;
  renderSeconds = 0;
  /** Windows ffmpeg rendered, and blank ones stored again without rendering. */
  windowsRendered = 0;
  windowsReused = 0;

  /** init + every stored segment, appended as each is stored (see tryLiveMovie's `localFragments`). */
  readonly localFragments: string;

  /** The movie uploaded while recording, fed the same bytes as localFragments. */
  readonly movie: LiveMovieUpload | null;

  constructor(private readonly o: LiveRecordingOptions) {
    this.localFragments = path.join(o.workDir, "fragments.mp4");
    this.movie = o.streamMovie
      ? new LiveMovieUpload({ ...o.streamMovie, storage: o.storage, key: `recordings/${o.recordingId}/movie.mp4`, logger: o.logger })
      : null;
  }

  private get fps(): number {
    return this.o.encoder?.fps ?? DEFAULT_ENCODER.fps;
  }

  private get renderedMs(): number {
    return this.segments.reduce((sum, s) => sum + s.durationMs, 0);
  }

  /**
   * Renders and stores every window closed so far; `final` (after Stop) also the last, partial one, and closes the
   * index. Returns how many windows it stored (true/false for `final`: whether the index is closed).
   */
  async advance(final: boolean): Promise<number> {
    if (final) this.finishing = true;
    const source = await this.o.read();
    if (!source) return 0;
    const now = (this.o.clock ?? Date.now)();
    const spans: TimeSpan[] = source.spans
      // Media of the last settleMs may not be on disk yet, also just before a pause.
      .map((s) => ({
        fromMs: s.from.getTime(),
        toMs: final ? (s.to?.getTime() ?? now) : Math.min(s.to?.getTime() ?? now, now - this.o.settleMs),
      }))
      .filter((s) => s.toMs > s.fromMs);
    const capturedEstimate = spans.reduce((sum, s) => sum + s.toMs - s.fromMs, 0);
    this.lagMs = Math.max(0, capturedEstimate - this.renderedMs);
    if (!final && !closedWindow(this.renderedMs, this.o.windowMs, capturedEstimate, false, this.fps)) return 0;
    if (spans.length === 0) return 0;

    const manifestText = await readFile(path.join(this.o.recordingDir, "manifest.jsonl"), "utf8").catch(() => "");
    let composition: Awaited<ReturnType<typeof prepareComposition>>;
    try {
      composition = await prepareComposition({
        recordingDir: this.o.recordingDir,
        manifestText,
        spans,
        layoutChanges: source.layoutChanges,
        defaultLayout: source.layout,
        output: this.o.output,
        tools: this.o.tools,
        probeCache: this.probed,
      });
    } catch (err) {
      // A track that has only just started may not probe yet: the next tick sees it. At Stop the job decides.
      if (!final && (err instanceof MissingTrackError || err instanceof ComposeError)) {
        this.o.logger.debug({ recordingId: this.o.recordingId, reason: err.message }, "live window waits: tracks not readable yet");
        return 0;
      }
      throw err;
    }
    const captured = composition.timeline.durationMs;
    const before = this.segments.length;
    await mkdir(this.o.workDir, { recursive: true });
    // Tracks with a track-end are whole on disk: only the others are waited for (read once per tick, not per window).
    const ended = new Set(parseManifest(manifestText).events.flatMap((e) => (e.type === "track-end" ? [e.trackId] : [])));
    for (let w = closedWindow(this.renderedMs, this.o.windowMs, captured, final, this.fps); w; ) {
      if (!final && !(await this.mediaOnDisk(composition, ended, w, captured))) break;
      const index = this.segments.length;
      const started = performance.now();
      const result = await this.produce(composition, w, !final || w.toMs < captured, index, captured - w.toMs);
      const first = this.init === null;
      if (first) await this.put(liveKeys.init, result.init, CONTENT_TYPES.init!);
      await this.put(liveKeys.segment(index), result.segment, CONTENT_TYPES.segment!);
      // The same bytes, in order, in one local file: at Stop this node assembles the movie without downloading them.
      await appendFile(this.localFragments, first ? Buffer.concat([result.init, result.segment]) : result.segment);
      this.movie?.add(first ? result.init : null, result.segment);
      this.init ??= result.init;
      this.segments.push({ index, durationMs: result.durationMs });
      this.tail = result.tailPcm;
      this.renderSeconds += (performance.now() - started) / 1000;
      this.lagMs = Math.max(0, captured - this.renderedMs);
      this.o.logger.debug(
        { recordingId: this.o.recordingId, index, renderMs: Math.round(performance.now() - started), lagMs: Math.round(this.lagMs) },
        "live window stored",
      );
      await this.storeIndex(false, source, spans);
      w = closedWindow(this.renderedMs, this.o.windowMs, captured, final, this.fps);
    }
    // With the windows it describes (read before them, so it never names media they lack).
    if (this.segments.length > before && manifestText.length !== this.manifestStored) {
      await this.put(liveKeys.manifest, Buffer.from(manifestText), "application/x-ndjson");
      this.manifestStored = manifestText.length;
    }
    if (final) await this.storeIndex(this.segments.length > 0, source, spans);
    return final ? Number(this.segments.length > 0) : this.segments.length - before;
  }

  /** Per track file, how far it is readable (read incrementally). */
  private readonly readable = new Map<string, ReadableEnd>();

  /**
   * Whether every track still being written is on disk as far as window `w` reads it. A window rendered before
   * that would keep an empty tile for good (a stored window is never rendered again), though the final movie has
   * the media. Once the window's end is mediaWaitMs older than what is captured, it renders anyway: a sender that
   * stopped sending (or a muted one) delays each window by that much at most, never more and more.
   */
  private async mediaOnDisk(composition: Composition, ended: ReadonlySet<string>, w: TimeSpan, capturedMs: number): Promise<boolean> {
    const needs = windowReadNeeds(composition.timeline, w, (t) => !ended.has(t.trackId), { startMsOf: composition.request.startMsOf });
    const short: { trackId: string; untilMs: number; readableMs: number | null }[] = [];
    for (const { track, untilMs } of needs) {
      const file = path.resolve(this.o.recordingDir, track.file);
      let end = this.readable.get(file);
      if (!end) this.readable.set(file, (end = new ReadableEnd(file)));
      const readableMs = await end.read();
      // The last block stands for a frame's worth of media after it.
      const frameMs = track.kind === "audio" ? 60 : 200;
      if (readableMs === null || readableMs + frameMs < untilMs) short.push({ trackId: track.trackId, untilMs, readableMs });
    }
    if (short.length === 0) return true;
    const waitedMs = capturedMs - w.toMs;
    if (waitedMs < (this.o.mediaWaitMs ?? this.o.windowMs)) {
      this.o.logger.debug({ recordingId: this.o.recordingId, window: w, short }, "live window waits: media not on disk yet");
      return false;
    }
    this.o.logger.warn(
      { recordingId: this.o.recordingId, window: w, short, waitedMs },
      "live window rendered without media that never came",
    );
    return true;
  }

  /**
   * Blank windows rendered after silence, by length (a few: window lengths are whole units between the minimum and
   * LIVE_WINDOW_MS): the next blank window of that length after silence is the same bytes, moved in time.
   */
  private readonly blanks = new Map<number, { media: Buffer; timescales: Map<number, number>; tailPcm: Buffer }>();

  /** The init segment stored (null until the first window; every window must match it), and whether windows behind others may encode faster. */
  private init: Buffer | null = null;
  private catchUp = true;
  /** Windows encoded with the catch-up preset (see windowPreset). */
  windowsCaughtUp = 0;

  private async produce(
    composition: Composition,
    w: TimeSpan,
    lookahead: boolean,
    index: number,
    backlogMs: number,
  ): Promise<LiveWindowResult> {
    const silentBefore = !this.tail?.some((byte) => byte !== 0);
    const blank =
      silentBefore &&
      isBlankWindow(
        composition.timeline.sessions.flatMap((s) => s.presence),
        w,
      );
    const durationMs = w.toMs - w.fromMs;
    const known = blank ? this.blanks.get(durationMs) : undefined;
    if (known) {
      this.windowsReused++;
      // Only after a rendered window: the init segment is stored already.
      const segment = shiftFragments(known.media, known.timescales, w.fromMs);
      return { init: Buffer.alloc(0), segment, unshifted: known, durationMs, tailPcm: known.tailPcm };
    }
    this.windowsRendered++;
    const configured = this.o.encoder?.preset ?? DEFAULT_ENCODER.preset;
    const render = (preset: string) =>
      renderLiveWindow({
        composition,
        window: w,
        lookahead,
        previousTail: this.tail,
        workDir: path.join(this.o.workDir, `w${index}`),
        encoder: { ...this.o.encoder, preset },
        ffmpeg: this.o.tools?.ffmpeg,
      });
    // Only once a window of the configured preset made the init segment: that is the one every window must match.
    const preset = this.catchUp && this.init && !blank ? windowPreset(configured, backlogMs) : configured;
    let result = await render(preset);
    if (preset !== configured) {
      if (!avcDecoderConfig(result.init)?.equals(avcDecoderConfig(this.init!) ?? Buffer.alloc(0))) {
        // An x264 whose faster preset changes a parameter set: this recording catches up at the usual speed.
        this.catchUp = false;
        this.o.logger.warn(
          { recordingId: this.o.recordingId, preset },
          "catch-up preset changes the video decoder configuration; not used",
        );
        result = await render(configured);
      } else this.windowsCaughtUp++;
    }
    if (blank) this.blanks.set(durationMs, { ...result.unshifted, tailPcm: result.tailPcm });
    return result;
  }
  /**
   * Rewrites the index when it has not been written for `everyMs`: its `updatedAt` is this recording's heartbeat.
   * Other nodes take a recording whose heartbeat stopped for lost (see live-watch.ts), paused ones included.
   */
  async heartbeat(everyMs: number): Promise<void> {
    if (this.finishing || Date.now() - this.lastWrite < everyMs) return;
    await this.storeIndex(false, this.lastSource ?? { spans: [], layout: "grid", layoutChanges: [] }, this.lastSpans);
  }

  private lastWrite = 0;
  /** Length of the manifest last stored (it only grows). */
  private manifestStored = -1;
  private finishing = false;
  private writes: Promise<unknown> = Promise.resolve();
  private lastSource: LiveSource | null = null;
  private lastSpans: TimeSpan[] = [];

  private async storeIndex(ended: boolean, source: LiveSource, spans: TimeSpan[]): Promise<void> {
    this.lastWrite = Date.now();
    this.lastSource = source;
    this.lastSpans = spans;
    const index = {
      version: 1 as const,
      windowMs: this.o.windowMs,
      segments: [...this.segments],
      ended,
      basis: basisOf({ spans, layout: source.layout, layoutChanges: source.layoutChanges, output: this.o.output }),
      layoutBasis: layoutBasisOf({ layout: source.layout, layoutChanges: source.layoutChanges, output: this.o.output }),
      updatedAt: new Date().toISOString(),
      lagMs: Math.round(this.lagMs),
      renderSeconds: Math.round(this.renderSeconds * 10) / 10,
    };
    // In the order they were made: a heartbeat still in flight must not land after the closing write.
    const write = this.writes.then(() => writeLiveIndex(this.o.storage, this.o.recordingId, index));
    this.writes = write.catch(() => undefined);
    await write;
  }

  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.o.storage.put(livePrefix(this.o.recordingId) + key, body, { contentType });
  }
}
