// The node's live compositing: one LiveRecording per recording its co-located recorder is capturing, ticking
// while it runs and finishing it at Stop (the last window, the closed index) before the compositing job is queued,
// so the job only assembles the stored segments into the MP4. Created in the composition root, fed the recording
// service's status changes.
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Recording } from "@/lib/domain/recording";
import type { LiveMovieUpload } from "@/server/recordings/live/live-movie-upload";
import { LiveRecording, type LiveRecordingOptions, type LiveSource } from "@/server/recordings/live/live-recording";
import type { FinishedLiveOutput } from "@/server/recordings/live/streamed-live-movie";
import { RawTrackStream } from "@/server/recordings/live/raw-track-stream";

export interface LiveComposerOptions
  extends Pick<LiveRecordingOptions, "storage" | "windowMs" | "settleMs" | "output" | "encoder" | "tools" | "logger" | "streamMovie"> {
  /** The co-located recorder's folder: only recordings captured here are rendered here. */
  recordingsDir: string;
  workDir: string;
  read: (recordingId: string) => Promise<LiveSource | null>;
  tickMs?: number;
  /** UPLOAD_RAW_TRACKS: the raw files are streamed to storage in chunks while recording (see raw-track-stream.ts). */
  rawTracks?: { everyMs?: number };
}

/** How often a running recording's index is rewritten at least (its heartbeat; see live-watch.ts). */
export const HEARTBEAT_MS = 5000;
/** How often the raw files' new bytes are stored: what a lost node can take with it. */
const RAW_EVERY_MS = 5000;

interface Running {
  live: LiveRecording;
  timer: NodeJS.Timeout;
  beat: NodeJS.Timeout;
  /** Ticks never overlap: each waits for the one before. */
  chain: Promise<unknown>;
  busy?: boolean;
  finishing?: Promise<boolean>;
  raw?: { stream: RawTrackStream; timer: NodeJS.Timeout; chain: Promise<unknown> };
}

export interface LiveComposer extends FinishedLiveOutput {
  /** A status change: capturing starts the recording's live output; stopped or interrupted finishes it. */
  follow(recording: Recording): Promise<void>;
  /** Finishes a followed recording (true when its index is closed over every window); false when not followed. */
  finish(recordingId: string): Promise<boolean>;
  isFollowing(recordingId: string): boolean;
  /** Rendered on this node: followed now, or finished (or failed to finish) here and not released yet. */
  rendersHere(recordingId: string): boolean;
  /** The finished recording's segments as one local file (this node rendered them), until released. */
  localFragments(recordingId: string): { file: string; segments: number } | undefined;
  /** The movie uploaded while recording, to be completed by the job (until released; see streamed-live-movie.ts). */
  streamedMovie(recordingId: string): { key: string; segments: number; complete: LiveMovieUpload["complete"] } | undefined;
  /** The movie is made (or the job moved on): the local copy goes, and a streamed movie not completed is aborted. */
  release(recordingId: string): Promise<void>;
  /** Per recording being rendered: captured time not yet in a stored window, and rendering time so far. */
  stats(): { recordingId: string; lagSeconds: number; renderSeconds: number }[];
  close(): Promise<void>;
}

export function createLiveComposer(o: LiveComposerOptions): LiveComposer {
  const running = new Map<string, Running>();
  const finished = new Map<string, { file: string; segments: number; dir: string; movie: LiveMovieUpload | null }>();
  const failedHere = new Set<string>();
  const log = o.logger.child({ component: "live-compositing" });

  function tick(recordingId: string, r: Running) {
    // Still rendering: that run looks again when it is done.
    if (r.busy) return;
    r.busy = true;
    r.chain = r.chain
      .then(async () => {
        // Rendering took a while: more may have closed meanwhile (a machine catching up renders back to back).
        while ((await r.live.advance(false)) > 0);
      })
      .catch((err: unknown) => log.warn({ err, recordingId }, "live window failed; the next tick tries again"))
      .finally(() => {
        r.busy = false;
      });
  }

  function syncRaw(recordingId: string, raw: NonNullable<Running["raw"]>, final: boolean): Promise<unknown> {
    raw.chain = raw.chain
      .then(() => raw.stream.sync(final))
      .catch((err: unknown) => log.warn({ err, recordingId, final }, "raw track chunks not stored; the next pass tries again"));
    return raw.chain;
  }

  async function start(recording: Recording): Promise<void> {
    const recordingDir = path.join(o.recordingsDir, recording.id);
    // Captured by another recorder deployment: its raw files are not here to render.
    if (
      !(await stat(recordingDir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      return;
    if (running.has(recording.id)) return;
    const live = new LiveRecording({
      recordingId: recording.id,
      recordingDir,
      workDir: path.join(o.workDir, recording.id),
      storage: o.storage,
      streamMovie: o.streamMovie,
      windowMs: o.windowMs,
      settleMs: o.settleMs,
      output: o.output,
      encoder: o.encoder,
      tools: o.tools,
      read: () => o.read(recording.id),
      logger: log,
    });
    const r: Running = {
      live,
      chain: Promise.resolve(),
      timer: setInterval(() => tick(recording.id, r), o.tickMs ?? 1000),
      // Beside the ticks, not after them: a slow or failing render must not look like a dead node.
      beat: setInterval(
        () =>
          void live.heartbeat(HEARTBEAT_MS).catch((err: unknown) => log.warn({ err, recordingId: recording.id }, "live heartbeat failed")),
        HEARTBEAT_MS / 2,
      ),
    };
    r.timer.unref();
    r.beat.unref();
    if (o.rawTracks) {
      const stream = new RawTrackStream({ storage: o.storage, recordingId: recording.id, recordingDir });
      const raw = {
        stream,
        chain: Promise.resolve() as Promise<unknown>,
        timer: setInterval(() => syncRaw(recording.id, raw, false), o.rawTracks.everyMs ?? RAW_EVERY_MS),
      };
      raw.timer.unref();
      r.raw = raw;
    }
    running.set(recording.id, r);
    log.info({ recordingId: recording.id, windowMs: o.windowMs }, "live compositing started");
  }

  async function finish(recordingId: string): Promise<boolean> {
    const r = running.get(recordingId);
    if (!r) return false;
    r.finishing ??= (async () => {
      clearInterval(r.timer);
      clearInterval(r.beat);
      if (r.raw) clearInterval(r.raw.timer);
      await r.chain;
      // Beside the last window: the chunks are what a re-composite starts from if this node's disk is lost later.
      const rawDone = r.raw ? syncRaw(recordingId, r.raw, true) : undefined;
      try {
        const closed = (await r.live.advance(true)) > 0;
        if (closed)
          finished.set(recordingId, {
            file: r.live.localFragments,
            segments: r.live.segments.length,
            dir: path.join(o.workDir, recordingId),
            movie: r.live.movie,
          });
        else {
          failedHere.add(recordingId);
          await r.live.movie?.abort();
          await rm(path.join(o.workDir, recordingId), { recursive: true, force: true });
        }
        return closed;
      } catch (err) {
        failedHere.add(recordingId);
        await r.live.movie?.abort();
        log.warn({ err, recordingId }, "live output could not be finished; the job composites from the raw files");
        return false;
      } finally {
        await rawDone;
        running.delete(recordingId);
      }
    })();
    return r.finishing;
  }

  return {
    async follow(recording) {
      if (recording.status === "recording" || recording.status === "paused") await start(recording);
      else if (running.has(recording.id)) await finish(recording.id);
    },
    finish,
    isFollowing: (id) => running.has(id),
    rendersHere: (id) => running.has(id) || finished.has(id) || failedHere.has(id),
    localFragments: (id) => finished.get(id),
    streamedMovie(id) {
      const movie = finished.get(id)?.movie;
      if (movie?.state !== "streaming") return undefined;
      return { key: movie.key, segments: movie.segments, complete: () => movie.complete() };
    },
    async release(id) {
      const done = finished.get(id);
      finished.delete(id);
      failedHere.delete(id);
      await done?.movie?.abort();
      if (done) await rm(done.dir, { recursive: true, force: true });
    },
    stats: () =>
      [...running.entries()].map(([recordingId, r]) => ({
        recordingId,
        lagSeconds: r.live.lagMs / 1000,
        renderSeconds: r.live.renderSeconds,
      })),
    async close() {
      for (const r of running.values()) {
        clearInterval(r.timer);
        clearInterval(r.beat);
        if (r.raw) clearInterval(r.raw.timer);
      }
      await Promise.all([...running.values()].map((r) => r.chain));
      // Nobody can complete them now (another node re-renders or salvages the recording).
      await Promise.all([...running.values()].map((r) => r.live.movie?.abort()));
      running.clear();
    },
  };
}
