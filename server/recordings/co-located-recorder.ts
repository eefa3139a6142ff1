// The co-located recorder: its WHIP ingest mounted on the app's HTTP server, with crash recovery at start-up.
// Recording control lives in the help desk (RecordingService); a separate recorder deployment (`npm run
// recorder`) shares RECORDER_SECRET and is named by RECORDER_WHIP_URL or offered through RECORDER_DESTINATIONS.
import { hkdfSync } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Env } from "@/lib/config/env";
import { insufficientStorage } from "@/lib/domain/result";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  closeRemoteRecording,
  type ConsentRequest,
  pauseRemoteRecording,
  putRemoteConsent,
  resumeRemoteRecording,
} from "@/recorder/control";
import { checkFreeSpace, type WhipHandler } from "@/recorder/ingest";
import { recoverUnfinishedSessions, type RecoveredRecording } from "@/recorder/recovery";
import { startRecorder } from "@/recorder/start-recorder";
import type { EventHub } from "@/server/platform/event-hub";
import type { Recording } from "@/lib/domain/recording";
import type { RecordingService, RecordingServiceOptions } from "@/server/recordings/recording-control";
import type { Logger } from "@/server/platform/logger";
import type { CoreServices } from "@/server/service-registry";

export interface Recorder {
  ingest: WhipHandler;
  /** WHIP (/whip/…) and the control API other nodes and workers call (/recordings/{id}…); false = not ours. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Recording control and the co-located ingest need each other (control closes the ingest's sessions; the
 * ingest asks control whom to admit). Control emits into this hub, created before both; the recorder
 * subscribes when it starts. Without a co-located recorder nothing subscribes: there are no local sessions.
 */
export type LocalRecorderEvents = EventHub<{
  closeRecording: [recordingId: string];
  consent: [recordingId: string, request: ConsentRequest];
}>;

export const isRecorderPath = (url: string | undefined) => !!url && (url.startsWith("/whip") || url.startsWith("/recordings/"));

const MB = 1024 * 1024;

export function publisherSecret(env: Env, authSecret: string): string {
  return (
    env.RECORDER_SECRET ?? Buffer.from(hkdfSync("sha256", authSecret, "video-help-desk", "recorder-publisher", 32)).toString("base64url")
  );
}

export function recorderDirectory(env: Env): string {
  return path.resolve(env.RECORDER_DIR ?? path.join(env.DATA_DIR, "recordings"));
}

/** This node's co-located recorder as other nodes reach it (NODE_URL set, no separate recorder), else null. */
export function ownRecorderUrl(env: Env): string | null {
  if (env.RECORDER_WHIP_URL || !env.NODE_URL) return null;
  return `${env.NODE_URL.replace(/\/+$/, "")}/whip`;
}

/**
 * The co-located recorder's folder for a recording, made when the recording starts (before anyone publishes): a
 * worker that finds the folder without a manifest knows nobody published, and one that finds no folder knows the
 * files are elsewhere and fails instead of making a blank movie. Recordings another recorder ingests are skipped.
 */
export function prepareRecordingFolder(directory: string, ownUrl: string | null) {
  return async (recording: Recording): Promise<void> => {
    if (recording.destination !== null && recording.destination !== ownUrl) return;
    await mkdir(path.join(directory, recording.id), { recursive: true });
  };
}

/**
 * Where a recording's sessions are ended (stop, pause) and admitted again (resume): the co-located ingest, whose
 * admission reads the recording's status, or the control API of the recorder that owns it.
 */
function recorderLink(
  env: Env,
  secret: string,
  local: { close: (id: string) => Promise<void>; consent: (id: string, request: ConsentRequest) => Promise<void> },
  logger: Logger,
) {
  const closeLocal = local.close;
  const localBase = env.RECORDER_WHIP_URL ?? null;
  const own = ownRecorderUrl(env);
  // The recorder's control API sits beside its WHIP endpoint (…/whip → …); null: the co-located one.
  const remoteBase = (destination: string | null) => {
    const remote = destination ?? localBase;
    return remote === null || remote === own ? null : remote.replace(/\/whip\/?$/, "");
  };
  // Its sessions still end when the recorder cannot be told: publishers stop on the indicator, and the recorder
  // finalizes silent sessions.
  const report = (recordingId: string, baseUrl: string, what: string) => (err: unknown) =>
    logger.error({ err, recordingId, recorder: baseUrl }, `could not tell the recorder to ${what} the recording`);
  return {
    close: async (recordingId: string, destination: string | null) => {
      const baseUrl = remoteBase(destination);
      if (baseUrl === null) return closeLocal(recordingId);
      await closeRemoteRecording({ baseUrl, secret, recordingId }).then(() => undefined, report(recordingId, baseUrl, "close"));
    },
    // Not reported and swallowed like a close: a consent the recorder did not get is not enforced, so it fails.
    consent: async (recordingId: string, destination: string | null, request: ConsentRequest) => {
      const baseUrl = remoteBase(destination);
      if (baseUrl === null) return local.consent(recordingId, request);
      await putRemoteConsent({ baseUrl, secret, recordingId }, request);
    },
    pause: async (recordingId: string, destination: string | null, paused: boolean) => {
      const baseUrl = remoteBase(destination);
      if (baseUrl === null) return paused ? closeLocal(recordingId) : undefined;
      const call = paused ? pauseRemoteRecording : resumeRemoteRecording;
      await call({ baseUrl, secret, recordingId }).then(() => undefined, report(recordingId, baseUrl, paused ? "pause" : "resume"));
    },
  };
}

/** Options of the help desk's recording control; `closeLocal` ends the co-located ingest's sessions. */
export function recordingOptions(
  env: Env,
  core: CoreServices,
  publicUrl: string,
  local: { close: (recordingId: string) => Promise<void>; consent: (recordingId: string, request: ConsentRequest) => Promise<void> },
): Omit<RecordingServiceOptions, "announce"> {
  const secret = publisherSecret(env, core.authSecret);
  const directory = recorderDirectory(env);
  const link = recorderLink(env, secret, local, core.logger);
  return {
    publisherSecret: secret,
    whipBaseUrl: env.RECORDER_WHIP_URL ?? ownRecorderUrl(env) ?? `${publicUrl}/whip`,
    ownRecorderUrl: ownRecorderUrl(env),
    destinations: env.RECORDER_DESTINATIONS,
    closeRecording: link.close,
    pauseRecording: link.pause,
    recordConsent: link.consent,
    consentText: env.RECORDING_CONSENT_TEXT,
    prepare: env.RECORDER_WHIP_URL ? undefined : prepareRecordingFolder(directory, ownRecorderUrl(env)),
    preflight: async () => {
      if (env.RECORDER_WHIP_URL) return; // the recorder deployment checks its own disk when sessions arrive
      await mkdir(directory, { recursive: true });
      const space = await checkFreeSpace(directory, env.RECORDER_MIN_FREE_MB * MB);
      if (!space.ok) {
        throw insufficientStorage(
          `not enough free disk for a recording: ${Math.floor(space.freeBytes / MB)} MB free, ${env.RECORDER_MIN_FREE_MB} MB required (RECORDER_MIN_FREE_MB)`,
        );
      }
    },
  };
}

/**
 * Finalizes what a dead process left half-written (files repaired, sessions closed in the manifest), then
 * marks those recordings interrupted so they are handed on like stopped ones. Runs before the ingest
 * accepts sessions: a live session also looks unfinished on disk.
 */
export async function recoverRecordings(env: Env, recordings: RecordingService, logger: Logger): Promise<string[]> {
  const directory = recorderDirectory(env);
  const recovered = await recoverUnfinishedSessions(directory, {
    log: (event, data) => logger.info({ ...data, event }, "recorder recovery"),
  });
  return markInterrupted(recovered, recordings, logger);
}

async function markInterrupted(recovered: RecoveredRecording[], recordings: RecordingService, logger: Logger): Promise<string[]> {
  const interrupted: string[] = [];
  for (const r of recovered) {
    const lastMedia = Math.max(...r.sessions.map((s) => s.endedAtMs));
    const marked = await recordings.interrupt(r.recordingId, new Date(lastMedia));
    if (marked) interrupted.push(r.recordingId);
    logger.warn(
      { recordingId: r.recordingId, sessions: r.sessions.length, markedInterrupted: !!marked },
      "recovered a recording after a crash",
    );
  }
  return interrupted;
}

/**
 * Starts this process's recorder: recovery first (what a dead process left half-written is finalized and marked
 * interrupted, unless recordings go to a separate recorder), then the WHIP ingest and control API.
 */
export async function startCoLocatedRecorder(
  env: Env,
  core: CoreServices,
  deps: {
    recordings: RecordingService;
    logger: Logger;
    events: LocalRecorderEvents;
    onIngestEvent?: (event: string, data: Record<string, unknown>) => void;
  },
): Promise<Recorder> {
  const { recordings, logger } = deps;
  const recorder = await startRecorder(
    {
      secret: publisherSecret(env, core.authSecret),
      directory: recorderDirectory(env),
      icePortRange: env.RECORDER_ICE_PORT_RANGE,
      loopback: true,
      maxRecordingMs: env.RECORDER_MAX_DURATION_MINUTES * 60_000,
      maxTracksPerRecording: env.RECORDER_MAX_TRACKS,
      minFreeBytes: env.RECORDER_MIN_FREE_MB * MB,
    },
    {
      skipRecovery: !!env.RECORDER_WHIP_URL,
      recovered: async (list) => void (await markInterrupted(list, recordings, logger)),
      // Admission is the help desk's; the control API only closes sessions and serves raw files.
      admit: (claims) => recordings.admit(claims),
      controlLog: (event, data) => logger.info({ ...data, event }, "recorder control"),
      log: (event, data) => {
        logger.info({ ...data, event }, /recover/.test(event) ? "recorder recovery" : "recorder");
        deps.onIngestEvent?.(event, data);
        // The recorder ended these recordings' sessions on its own: the help desk must not show them as recording.
        const reason =
          event === "limit-disk"
            ? "the recorder's disk is nearly full"
            : event === "limit-duration"
              ? "the recording reached its maximum length"
              : null;
        if (reason && Array.isArray(data.recordingIds)) {
          for (const id of data.recordingIds as string[]) {
            recordings
              .interrupt(id, new Date(), reason)
              .catch((err: unknown) => logger.error({ err, recordingId: id }, "marking a recording interrupted failed"));
          }
        }
      },
    },
  );
  const unsubscribe = deps.events.on("closeRecording", (recordingId) => recorder.ingest.closeRecording(recordingId));
  const unsubscribeConsent = deps.events.on("consent", (recordingId, request) => recorder.recordConsent(recordingId, request));
  return {
    ingest: recorder.ingest,
    handle: recorder.handle,
    async close() {
      unsubscribe();
      unsubscribeConsent();
      await recorder.close();
    },
  };
}
