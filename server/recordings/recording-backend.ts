// Everything that happens to a recording after capture, wired from the environment: the library agents
// use, the compositing pipeline (worker in this process unless WORKER_IN_PROCESS=false), retention and
// webhooks. Built by the composition root (server/composition-root.ts) for the web and worker processes.
import path from "node:path";
import type { Env } from "@/lib/config/env";
import type { Recording } from "@/lib/domain/recording";
import type { RecordingView } from "@/lib/realtime/views";
import { runEvery } from "@/server/platform/run-every";
import { RecordingAccessLog } from "@/server/recordings/recording-access-log";
import { RecordingLibrary } from "@/server/recordings/recording-library";
import type { Logger } from "@/server/platform/logger";
import type { CoreServices } from "@/server/service-registry";
import { recordingRetention, startRetentionSweeper, sweepExpiredRecordings, type SweepResult } from "@/server/recordings/retention";
import { createWebhookQueue, type WebhookQueue } from "@/server/recordings/webhooks/webhook-queue";
import { publisherSecret, recorderDirectory } from "@/server/recordings/co-located-recorder";
import { createRecordingPipeline, type RecordingPipeline } from "@/server/recordings/compose/compose-pipeline";
import { createJobQueue } from "@/server/platform/jobs/job-queue";
import { startRawFilesSweeper } from "@/server/recordings/raw-files-sweep";
import { appMediaSecret } from "@/server/recordings/media-link";
import { liveWindowMs } from "@/lib/compositing/live";
import { createLiveComposer, type LiveComposer } from "@/server/recordings/live/live-composer";
import { createRecordingEvidence, type RecordingEvidence } from "@/server/recordings/evidence/recording-evidence";
import { resolveEvidenceKey } from "@/server/recordings/evidence/signing-key";

export interface RecordingBackend {
  library: RecordingLibrary;
  pipeline: RecordingPipeline;
  /** Live compositing of the recordings this node captures (absent with LIVE_WINDOW_MS=0). */
  live?: LiveComposer;
  /** Signed evidence of each ready recording's stored objects. */
  evidence: RecordingEvidence;
  /** Follows RecordingService status changes: queues compositing, sends webhooks, updates the console. */
  onChange(recording: Recording): Promise<void>;
  sweepNow(): Promise<SweepResult>;
  close(): Promise<void>;
}

export async function startRecordingBackend(
  env: Env,
  core: CoreServices,
  opts: {
    publish?: (view: RecordingView, audience: string[] | "all") => void;
    runWorker: boolean;
    logger: Logger;
    onJobDone?: (seconds: number, outcome: "completed" | "failed") => void;
  },
): Promise<RecordingBackend> {
  const { prisma } = core.db;
  const access = new RecordingAccessLog(prisma);
  const library = new RecordingLibrary(prisma, {
    access,
    visibility: env.RECORDINGS_VISIBLE_TO,
    storage: core.storage,
    directory: recorderDirectory(env),
    linkSeconds: env.PLAYBACK_LINK_SECONDS,
    rawGraceMs: env.RAW_FILES_GRACE_HOURS * 3_600_000,
    // The embedded store listens on loopback only: agents elsewhere play movies through the app's origin.
    appMediaSecret: core.storage.mode === "embedded" ? appMediaSecret(core.authSecret) : undefined,
    publish: opts.publish,
  });
  // The job queue first: the webhook queue and the compositing pipeline both live on it.
  const jobs = createJobQueue({
    pool: core.db.pool,
    mode: core.db.mode,
    connectionString: core.db.mode === "postgres" ? env.DATABASE_URL : undefined,
    logger: opts.logger,
    pollingIntervalSeconds: env.JOBS_POLL_INTERVAL_SECONDS,
  });
  await jobs.start();
  const webhooks: WebhookQueue | undefined =
    env.WEBHOOK_URLS.length > 0 && env.WEBHOOK_SECRET
      ? await createWebhookQueue(jobs, {
          secret: env.WEBHOOK_SECRET,
          urls: env.WEBHOOK_URLS,
          onUndeliverable: (p, reason) => opts.logger.warn({ url: p.url, event: p.event, reason }, "webhook undeliverable"),
        })
      : undefined;
  const evidenceKey = resolveEvidenceKey(env.EVIDENCE_SIGNING_KEY, path.resolve(env.DATA_DIR));
  if (evidenceKey.generated)
    opts.logger.warn("EVIDENCE_SIGNING_KEY is not set: evidence is signed with a key generated into the data folder");
  const evidence = createRecordingEvidence({ prisma, storage: core.storage, key: evidenceKey.key, logger: opts.logger });
  const encoder = { preset: env.COMPOSE_PRESET, fps: env.COMPOSE_FPS, crf: env.COMPOSE_CRF };
  const output = { width: env.COMPOSE_WIDTH, height: env.COMPOSE_HEIGHT };
  const tools = { ffmpeg: env.FFMPEG_PATH, ffprobe: env.FFPROBE_PATH };
  const live =
    env.LIVE_WINDOW_MS > 0
      ? createLiveComposer({
          storage: core.storage,
          recordingsDir: recorderDirectory(env),
          workDir: path.resolve(env.DATA_DIR, "processing", "live"),
          windowMs: liveWindowMs(env.LIVE_WINDOW_MS, env.COMPOSE_FPS),
          settleMs: env.LIVE_SETTLE_MS,
          output,
          encoder,
          tools,
          read: (id) => library.store.liveSource(id),
          rawTracks: env.UPLOAD_RAW_TRACKS ? {} : undefined,
          // The movie's bytes go up while recording: Stop → ready stays seconds at any length.
          streamMovie: {},
          logger: opts.logger,
        })
      : undefined;
  const pipeline = await createRecordingPipeline({
    db: core.db,
    jobs,
    storage: core.storage,
    library,
    logger: opts.logger,
    recordingsDir: recorderDirectory(env),
    remote: { secret: publisherSecret(env, core.authSecret), defaultRecorderUrl: env.RECORDER_WHIP_URL ?? null },
    workDir: path.resolve(env.DATA_DIR, "processing"),
    output,
    encoder,
    live,
    liveLostMs: env.LIVE_WINDOW_MS > 0 ? env.LIVE_LOST_SECONDS * 1000 : 0,
    retentionDays: env.RECORDING_RETENTION_DAYS,
    uploadRawTracks: env.UPLOAD_RAW_TRACKS,
    policy: {
      retryLimit: env.COMPOSE_RETRY_LIMIT,
      retryDelaySeconds: env.COMPOSE_RETRY_DELAY_SECONDS,
      expireInSeconds: env.COMPOSE_EXPIRE_SECONDS,
      staleSeconds: env.COMPOSE_STALE_SECONDS,
    },
    webhooks,
    tools,
    onJobDone: opts.onJobDone,
    onStored: evidence.attest,
  });
  if (webhooks && opts.runWorker) await webhooks.work({ concurrency: 2 });

  const sweep = {
    storage: core.storage,
    logger: opts.logger,
    ...recordingRetention(library.store, (id) => library.announce(id)),
  };
  let stopSweeper: (() => void) | undefined;
  let stopAuditPurge: (() => void) | undefined;
  let stopEvidenceSweep: (() => void) | undefined;
  if (opts.runWorker) {
    await pipeline.startWorker(env.COMPOSE_CONCURRENCY);
    const queued = await pipeline.enqueueBacklog();
    if (queued) opts.logger.info({ queued }, "queued recordings waiting for compositing");
    stopEvidenceSweep = evidence.startSweeper(Math.min(env.RETENTION_SWEEP_INTERVAL_SECONDS, 300) * 1000);
    if (env.RECORDING_RETENTION_DAYS > 0) {
      stopSweeper = startRetentionSweeper({ ...sweep, intervalMs: env.RETENTION_SWEEP_INTERVAL_SECONDS * 1000 });
    }
    if (env.AUDIT_RETENTION_DAYS > 0) {
      stopAuditPurge = runEvery(
        env.RETENTION_SWEEP_INTERVAL_SECONDS * 1000,
        async () => {
          const purged = await access.purgeOlderThan(new Date(Date.now() - env.AUDIT_RETENTION_DAYS * 86_400_000));
          if (purged) opts.logger.info({ purged }, "access-trail entries past AUDIT_RETENTION_DAYS deleted");
        },
        (err) => opts.logger.warn({ err }, "access-trail purge failed; next sweep retries"),
      );
    }
    // Housekeeping where the store supports it (S3's lifecycle rule; the embedded one has none, Azure needs none);
    // retention is the sweeper's alone.
    const rule = await core.storage.applyHousekeeping("recordings/").catch((err: Error) => ({
      applied: false as const,
      reason: err.message,
    }));
    opts.logger.info({ backend: core.storage.backend, ...rule }, "storage housekeeping");
  }

  // Raw tracks on this node's disk, whether or not it runs the worker (web nodes each have their own folder).
  const stopRawSweeper = startRawFilesSweeper({
    directory: recorderDirectory(env),
    states: (ids) => library.store.rawFileStates(ids),
    graceMs: env.RAW_FILES_GRACE_HOURS * 3_600_000,
    intervalMs: Math.min(env.RETENTION_SWEEP_INTERVAL_SECONDS, 900) * 1000,
    logger: opts.logger,
  });

  // With the worker in another process, its progress reaches this node's agents by polling the database.
  const stopRelay =
    opts.runWorker || !opts.publish ? undefined : relayWorkerProgress(prisma, library, env.JOBS_POLL_INTERVAL_SECONDS * 1000);

  /**
   * Rendered live here: the last window and the closed index, then the movie is assembled from the segments in
   * this process at once (no queue polling between Stop and ready). Anything that fails goes to the job queue,
   * whose worker composites from the raw files if the segments do not make the whole movie.
   */
  async function finishLive(recordingId: string): Promise<void> {
    const finished = await live!.finish(recordingId);
    try {
      if (!finished) throw new Error("the live output did not finish");
      // A node told not to composite (WORKER_IN_PROCESS=false) leaves even the assembly to the workers.
      if (!opts.runWorker) throw new Error("compositing runs in the workers");
      await pipeline.composeNow(recordingId);
    } catch (err) {
      if (opts.runWorker) opts.logger.warn({ err, recordingId }, "assembling the live segments failed; the compositing job takes over");
      await pipeline.enqueue(recordingId).catch((e: unknown) => opts.logger.error({ err: e, recordingId }, "queueing compositing failed"));
    }
  }

  return {
    library,
    pipeline,
    async onChange(recording) {
      await library.announce(recording.id);
      if (recording.status === "recording" && recording.spans.length === 1 && recording.spans[0]!.to === null) {
        await webhooks?.publish("recording.started", { recordingId: recording.id, meetingPointId: recording.meetingPointId });
      }
      if (recording.status === "stopped" || recording.status === "interrupted") {
        await webhooks?.publish("recording.stopped", {
          recordingId: recording.id,
          meetingPointId: recording.meetingPointId,
          status: recording.status,
        });
        // Rendered live here: the last window and the closed index first, then the job only assembles the movie
        // (not awaited: Stop answers at once). Any worker takes the job; raw files elsewhere are fetched.
        if (live?.isFollowing(recording.id)) void finishLive(recording.id);
        else await pipeline.enqueue(recording.id);
      } else await live?.follow(recording);
    },
    live,
    evidence,
    sweepNow: () => sweepExpiredRecordings(sweep),
    async close() {
      stopSweeper?.();
      stopAuditPurge?.();
      stopEvidenceSweep?.();
      stopRawSweeper();
      stopRelay?.();
      await live?.close();
      await webhooks?.stopWorking().catch(() => undefined);
      await pipeline.close();
      await jobs.stop({ graceful: true, timeoutMs: 5000 }).catch(() => undefined);
    },
  };
}

/** Announces every change of status or progress of recordings being processed elsewhere; returns the stop function. */
function relayWorkerProgress(prisma: CoreServices["db"]["prisma"], library: RecordingLibrary, intervalMs: number): () => void {
  let seen = new Map<string, string>();
  let running = false;
  const timer = setInterval(
    async () => {
      if (running) return;
      running = true;
      try {
        const rows = await prisma.recording.findMany({
          where: { OR: [{ status: { in: ["stopped", "interrupted", "processing"] } }, { id: { in: [...seen.keys()] } }] },
          select: { id: true, status: true, progress: true },
        });
        const next = new Map<string, string>();
        for (const r of rows) {
          const state = `${r.status}:${r.progress ?? ""}`;
          if (seen.get(r.id) !== state) await library.announce(r.id);
          if (["stopped", "interrupted", "processing"].includes(r.status)) next.set(r.id, state);
        }
        seen = next;
      } catch {
        // The database is briefly away: the next tick tries again.
      } finally {
        running = false;
      }
    },
    Math.max(500, intervalMs),
  );
  timer.unref();
  return () => clearInterval(timer);
}
