// After capture: a stopped (or interrupted) recording becomes one movie in a background job on pg-boss,
// is uploaded to S3 (confirmed by size before local files go), and is marked ready with its expiry.
// Idempotent: a rerun recomposes to the same keys; a finished recording is left alone.
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { capturedSpansMs } from "@/lib/domain/recording";
import { listRecordingSessions } from "@/recorder/ingest";
import type { RecordingLibrary } from "@/server/recordings/recording-library";
import type { Database } from "@/server/platform/database/database";
import { startComposeReconciler } from "@/server/recordings/compose/compose-reconciler";
import { createComposeRecordingQueue, type ComposeJobContext, type ComposeRecordingQueue } from "@/server/recordings/compose/compose-queue";
import { createJobProgressStore } from "@/server/platform/jobs/job-progress";
import type { JobQueue } from "@/server/platform/jobs/job-queue";
import type { Logger } from "@/server/platform/logger";
import { composeRecording, ComposeError } from "@/server/recordings/compose/compose-recording";
import { ffprobe } from "@/server/recordings/compose/ffprobe";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { uploadRecordingFiles, type RecordingFile } from "@/server/recordings/compose/upload-sink";
import type { WebhookQueue } from "@/server/recordings/webhooks/webhook-queue";
import { RecordingStore } from "@/server/recordings/recording-store";
import type { EncoderSettings } from "@/lib/compositing/ffmpeg-args";
import { tryLiveMovie } from "@/server/recordings/live/assemble-live-movie";
import { type FinishedLiveOutput, liveMovieAtStop } from "@/server/recordings/live/streamed-live-movie";
import { rawChunksComplete } from "@/server/recordings/live/raw-track-stream";
import { rawFilesSource, restoreChunks } from "@/server/recordings/compose/raw-files-source";
import { basisOf, dropStaleLiveOutput, layoutBasisOf } from "@/server/recordings/live/live-index";
import { findLostRecordings } from "@/server/recordings/live/live-watch";
import { untilLiveOutputEnds } from "@/server/recordings/live/live-output-end";
import { runEvery } from "@/server/platform/run-every";
import { manifestForChapters, writeChaptersFile } from "@/server/recordings/compose/chapters-file";
import { CHAPTERS_FILE } from "@/server/recordings/recording-objects";

export interface RecordingPipelineOptions {
  db: Database;
  /** The started job queue (pg-boss); its owner stops it after the pipeline is closed. */
  jobs: JobQueue;
  storage: ObjectStorage;
  library: RecordingLibrary;
  logger: Logger;
  /** The co-located recorder's raw files. */
  recordingsDir: string;
  /**
   * Raw files not on this host are fetched from the recorder that captured them (the recording's
   * destination, else this default), authenticated with the shared recorder secret.
   */
  remote?: { secret: string; defaultRecorderUrl: string | null };
  /** Scratch space for movies before upload. */
  workDir: string;
  output: { width: number; height: number };
  encoder?: Partial<EncoderSettings>;
  retentionDays: number;
  uploadRawTracks: boolean;
  policy: { retryLimit: number; retryDelaySeconds: number; expireInSeconds: number; staleSeconds: number };
  /** Absent when no WEBHOOK_URLS are configured. */
  webhooks?: WebhookQueue;
  /** The ffmpeg and ffprobe programs (default: found on PATH). */
  tools?: { ffmpeg: string; ffprobe: string };
  /** The node's live compositing: finishes a recording it renders before the job looks for its segments. */
  live?: FinishedLiveOutput & {
    finish(recordingId: string): Promise<boolean>;
    rendersHere(recordingId: string): boolean;
    release(recordingId: string): Promise<void>;
  };
  /** A capturing recording whose live index stopped changing this long lost its node (0: never decided). */
  liveLostMs?: number;
  /** Each compositing run's wall time and outcome (for metrics). */
  onJobDone?: (seconds: number, outcome: "completed" | "failed") => void;
  /** Called once the recording is ready with its objects stored (tamper evidence); must not throw. */
  onStored?: (recordingId: string) => Promise<void>;
}

export interface RecordingPipeline {
  jobs: JobQueue;
  compose: ComposeRecordingQueue;
  enqueue(recordingId: string): Promise<void>;
  /**
   * Makes the movie now, in this process, without waiting for a worker to poll the queue: for a recording whose
   * live segments this node just finished (assembling them takes a second or two). Throws like a job would; the
   * caller then queues it, and the job's retries take over.
   */
  composeNow(recordingId: string): Promise<void>;
  /** Queues every captured recording that has no movie yet (after a restart, nothing is forgotten). */
  enqueueBacklog(): Promise<number>;
  startWorker(concurrency: number): Promise<void>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

export async function createRecordingPipeline(o: RecordingPipelineOptions): Promise<RecordingPipeline> {
  const store = new RecordingStore(o.db.prisma);
  const { jobs } = o;
  const progress = createJobProgressStore(o.db.pool);
  await progress.init();
  let lastPush = new Map<string, number>();
  const compose = await createComposeRecordingQueue(jobs, {
    policy: o.policy,
    progress,
    onProgress: (recordingId, percent) => {
      // Agents see progress live; one push per whole percent is plenty.
      const rounded = Math.floor(percent);
      if (lastPush.get(recordingId) === rounded) return;
      lastPush.set(recordingId, rounded);
      // Late progress must not land on a recording that is already ready.
      void store
        .reportProgress(recordingId, rounded)
        .then((stored) => (stored ? o.library.announce(recordingId) : undefined))
        .catch(() => undefined);
    },
    onGaveUp: (recordingId, error) => giveUp(recordingId, error instanceof Error ? error.message : String(error)),
  });
  let stopReconciler: (() => void) | undefined;
  let stopLiveWatch: (() => void) | undefined;

  async function giveUp(recordingId: string, message: string): Promise<void> {
    // A recording deleted (or finished) meanwhile stays as it is.
    if (!(await store.markCompositingFailed(recordingId, message)).won) return;
    await o.library.announce(recordingId);
    await o.webhooks?.publish("recording.failed", { recordingId, error: message.slice(0, 300) });
    o.logger.error({ recordingId, reason: message }, "compositing gave up");
  }

  const rawFilesOf = rawFilesSource({ recordingsDir: o.recordingsDir, remote: o.remote, storage: o.storage });

  async function removeObjects(keys: string[]): Promise<void> {
    if (!keys.length) return;
    await o.storage.deleteMany(keys).catch((err: Error) => {
      throw new Error(`could not remove the uploaded objects of a deleted recording: ${err.message}`);
    });
  }

  async function handle(job: ComposeJobContext): Promise<void> {
    const { recordingId } = job;
    const claim = await store.claimForCompositing(recordingId);
    // Ready, deleted, expired or still capturing: nothing for this job to do.
    if (!claim.input) return void (await o.live?.release(recordingId));
    const row = claim.input;
    await o.library.announce(recordingId);
    const log = o.logger.child({ recordingId, jobId: job.jobId, attempt: job.attempt });

    const out = path.join(o.workDir, recordingId);
    const spans = capturedSpansMs(row.spans);
    const movie = path.join(out, "movie.mp4");
    const poster = path.join(out, "poster.jpg");
    const layoutChanges = row.layoutChanges;
    const rawFiles = () => rawFilesOf(recordingId, row.destination, path.join(out, "raw"), log);
    // Rendered live on this node: its last window goes in first. Then the stored segments are the movie if they
    // cover the recording as it stands (a layout change since, or a lost node's unfinished output, means not).
    // Rendered elsewhere (another node, or the web process while this is a separate worker): finished there first.
    const rendersHere = o.live?.rendersHere(recordingId) ?? false;
    await o.live?.finish(recordingId);
    if (!rendersHere) await untilLiveOutputEnds(o.storage, recordingId, { staleMs: o.liveLostMs || 30_000, maxMs: 10 * 60_000 });
    const basis = basisOf({ spans, layout: row.layout, layoutChanges, output: o.output });
    const liveMovie = { storage: o.storage, recordingId, basis, outFile: movie, posterFile: poster, tools: o.tools, signal: job.signal };
    const movieKey = `recordings/${recordingId}/movie.mp4`;
    const fromLive = await liveMovieAtStop({ ...liveMovie, live: o.live, movieKey, logger: log }).finally(() =>
      o.live?.release(recordingId),
    );
    // The raw files are gone with a lost node: the windows it stored while it ran are the movie, short by the
    // window in progress. Only for output whose renderer never finished (a finished one matched above or is stale),
    // and of the layout the recording has now. Otherwise (a layout changed since) the raw chunks it streamed.
    async function salvage(err: unknown): Promise<void> {
      if (err instanceof ComposeError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      const layoutBasis = layoutBasisOf({ layout: row.layout, layoutChanges, output: o.output });
      const salvaged = await tryLiveMovie({ ...liveMovie, salvage: { layoutBasis } });
      if (salvaged) {
        log.warn({ segments: salvaged.index.segments.length, reason }, "raw files unavailable; movie made from the stored live windows");
        return;
      }
      const scratch = path.join(out, "raw");
      if (!(await restoreChunks(o.storage, recordingId, scratch, log))) throw err;
      log.warn({ reason }, "raw files unavailable; movie made from the raw chunks the lost node streamed");
      await composeFromRawFiles(scratch);
    }
    let madeFromRaw = false;
    let manifestText: string | undefined;
    async function composeFromRawFiles(recordingDir: string) {
      manifestText = await readFile(path.join(recordingDir, "manifest.jsonl"), "utf8").catch(() => "");
      await composeRecording({
        recordingDir,
        manifestText,
        spans,
        layoutChanges,
        defaultLayout: row.layout,
        output: o.output,
        outFile: movie,
        posterFile: poster,
        signal: job.signal,
        onProgress: (percent) => void job.reportProgress(Math.min(90, percent * 0.9), "composite"),
        onLog: (line) => log.debug({ line }, "ffmpeg"),
        tools: o.tools,
        encoder: o.encoder,
      });
      madeFromRaw = true;
    }
    try {
      if (fromLive)
        log.info({ segments: fromLive.index.segments.length, streamed: !!fromLive.streamed }, "movie assembled from the live segments");
      else await rawFiles().then(composeFromRawFiles).catch(salvage);
    } catch (err) {
      if (err instanceof ComposeError) {
        // Nothing to compose (no media reached the recorder): retrying cannot help.
        if ((await store.markCompositingFailed(recordingId, err.message)).won) await o.library.announce(recordingId);
        return;
      }
      throw err;
    }
    const streamed = fromLive?.streamed;
    const probe = streamed ? { durationMs: fromLive!.durationMs } : await ffprobe(movie, { binary: o.tools?.ffprobe });
    const files: RecordingFile[] = [
      ...(streamed ? [] : [{ path: movie, key: "movie.mp4", contentType: "video/mp4" }]),
      { path: poster, key: "poster.jpg", contentType: "image/jpeg" },
    ];
    manifestText ??= await manifestForChapters({ recordingsDir: o.recordingsDir, recordingId, storage: o.storage });
    if (manifestText !== undefined) {
      const chapters = path.join(out, CHAPTERS_FILE);
      await writeChaptersFile({
        manifestText,
        spans,
        layoutChanges,
        defaultLayout: row.layout,
        durationMs: probe.durationMs,
        outFile: chapters,
      });
      files.push({ path: chapters, key: CHAPTERS_FILE, contentType: "text/vtt" });
    } else log.warn("no manifest at hand: the movie is stored without chapters");
    // Streamed while recording: already in storage.
    if (o.uploadRawTracks && !(await rawChunksComplete(o.storage, recordingId))) {
      const recordingDir = await rawFiles();
      for (const s of await listRecordingSessions(path.dirname(recordingDir), path.basename(recordingDir))) {
        for (const f of s.files)
          files.push({
            path: path.join(recordingDir, s.participantId, s.sessionId, f.name),
            key: `raw/${s.participantId}/${s.sessionId}/${f.name}`,
            contentType: "application/octet-stream",
          });
      }
    }
    const prefix = `recordings/${recordingId}/`;
    const uploaded = await uploadRecordingFiles({
      storage: o.storage,
      prefix,
      files,
      // Only the movie and poster are scratch files; raw tracks stay where the recorder keeps them.
      deleteLocal: false,
      onProgress: (p) => void job.reportProgress(90 + (10 * (p.fileIndex + (p.total ? p.loaded / p.total : 1))) / p.fileCount, "upload"),
      logger: log,
    });
    // Streamed while recording: one of the objects (removed with them should the recording go meanwhile).
    if (streamed) uploaded.unshift(streamed);
    // Re-composited (a layout changed after the fact): live segments of the old layout would play a different movie.
    if (madeFromRaw)
      await dropStaleLiveOutput(o.storage, recordingId, basis).catch((err: unknown) =>
        log.warn({ err }, "stale live segments not removed"),
      );
    const movieObject = uploaded.find((u) => u.key.endsWith("movie.mp4"))!;
    const now = new Date();
    const composed = await store.markComposed(recordingId, {
      movieKey: `${prefix}movie.mp4`,
      posterKey: `${prefix}poster.jpg`,
      movieBytes: movieObject.size,
      durationMs: probe.durationMs !== undefined ? Math.round(probe.durationMs) : null,
      readyAt: now,
      expiresAt: o.retentionDays > 0 ? new Date(now.getTime() + o.retentionDays * DAY_MS) : null,
    });
    if (!composed.won) {
      await rm(out, { recursive: true, force: true });
      lastPush.delete(recordingId);
      // Deleted (or expired) while this job ran: that stays, and what the job uploaded goes.
      if (composed.row?.status === "deleted" || composed.row?.status === "expired") {
        // Noted first: should the removal fail, the retention sweep's leftover pass deletes them.
        await store.noteLeftoverObjects(recordingId, { movieKey: `${prefix}movie.mp4`, posterKey: `${prefix}poster.jpg` });
        await removeObjects(uploaded.map((u) => u.key));
        await store.forgetObjects(recordingId);
        log.info({ status: composed.row.status }, "recording went away while compositing; removed the uploaded objects");
      }
      return;
    }
    // Confirmed in storage (size checked): the scratch copies can go.
    await rm(out, { recursive: true, force: true });
    lastPush.delete(recordingId);
    await o.library.announce(recordingId);
    await o.webhooks?.publish("recording.ready", { recordingId, durationMs: probe.durationMs, bytes: movieObject.size });
    log.info({ durationMs: probe.durationMs, bytes: movieObject.size }, "recording ready");
    await o.onStored?.(recordingId);
  }

  // One run per recording in this process: the assembly at Stop (composeNow) runs outside the queue, so a job for
  // the same recording (queued by the reconciler, which sees no job) must wait for it, then finds it ready.
  const running = new Map<string, Promise<void>>();
  async function handleAlone(job: ComposeJobContext): Promise<void> {
    for (let other = running.get(job.recordingId); other; other = running.get(job.recordingId)) await other.catch(() => undefined);
    const run = handle(job);
    running.set(job.recordingId, run);
    try {
      await run;
    } finally {
      running.delete(job.recordingId);
    }
  }

  return {
    jobs,
    compose,
    async enqueue(recordingId) {
      await compose.enqueue(recordingId);
    },
    async composeNow(recordingId) {
      const started = performance.now();
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), o.policy.expireInSeconds * 1000);
      try {
        await handleAlone({
          recordingId,
          jobId: "in-process",
          attempt: 1,
          maxAttempts: 1,
          signal: controller.signal,
          reportProgress: async (percent) => {
            await store.reportProgress(recordingId, Math.floor(percent)).catch(() => false);
          },
        });
        o.onJobDone?.((performance.now() - started) / 1000, "completed");
      } finally {
        clearTimeout(timer);
      }
    },
    async enqueueBacklog() {
      const ids = await store.compositingBacklog();
      for (const id of ids) await compose.enqueue(id);
      return ids.length;
    },
    startWorker: async (concurrency) => {
      stopReconciler ??= startComposeReconciler({
        store,
        compose,
        giveUp,
        busy: (id) => running.has(id),
        intervalMs: Math.max(1000, (o.policy.staleSeconds * 1000) / 3),
        logger: o.logger,
      });
      if (o.liveLostMs) {
        const staleMs = o.liveLostMs;
        stopLiveWatch ??= runEvery(
          Math.max(1000, staleMs / 3),
          async () =>
            void (await findLostRecordings({
              store,
              storage: o.storage,
              staleMs,
              logger: o.logger,
              onLost: async (id) => {
                await o.library.announce(id);
                await compose.enqueue(id);
              },
            })),
          (err) => o.logger.warn({ err }, "looking for recordings that lost their node failed"),
        );
      }
      await compose.work(
        async (job) => {
          const started = performance.now();
          try {
            await handleAlone(job);
            o.onJobDone?.((performance.now() - started) / 1000, "completed");
          } catch (err) {
            o.onJobDone?.((performance.now() - started) / 1000, "failed");
            throw err;
          }
        },
        { concurrency },
      );
    },
    async close() {
      stopReconciler?.();
      stopLiveWatch?.();
      await compose.stopWorking().catch(() => undefined);
      lastPush = new Map();
    },
  };
}
