import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { manifestTrackId } from "@/lib/recording-manifest/schema";
import { verifyPublisherToken, type PublisherClaims } from "@/recorder/auth/publisher-token";
import { RawTrackWriter } from "@/recorder/pipeline/raw-track-writer";
import type { TrackEndStats } from "@/recorder/pipeline/types";
import { createWhipHandler, WhipHttpError, type SessionRequest, type WhipHandler } from "@/recorder/whip/whip-handler";
import type { ReceiveImpairment } from "@/recorder/ingest/impairment";
import {
  checkFreeSpace,
  DEFAULT_MAX_RECORDING_MS,
  DEFAULT_MAX_TRACKS_PER_RECORDING,
  MAX_TRACKS_PER_SESSION,
  DEFAULT_MIN_FREE_BYTES,
  offeredTrackCount,
  RecordingUsageBook,
} from "@/recorder/ingest/limits";
import { ManifestRegistry, trackManifestLine, type ManifestWriter } from "@/recorder/ingest/manifest";
import { recordingRelativeFile, sessionDirectory } from "@/recorder/ingest/recording-layout";
import type { PublisherSessionOptions } from "@/recorder/ingest/publisher-session";
import { publisherSessionFactory } from "@/recorder/ingest/publisher-session-factory";

export { sessionDirectory };

export interface RecorderIngestOptions {
  /** HMAC secret shared with the app, which issues the publisher tokens. */
  tokenSecret: string | Buffer;
  /** Raw tracks go to `<directory>/<recordingId>/<participantId>/<sessionId>/`, the manifest to `<directory>/<recordingId>/manifest.jsonl`. */
  directory: string;
  icePortRange: [number, number];
  loopback?: boolean;
  iceAdditionalHostAddresses?: string[];
  iceUseIpv6?: boolean;
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  inactivityTimeoutMs?: number;
  bitrateHints?: PublisherSessionOptions["bitrateHints"];
  log?: (event: string, data: Record<string, unknown>) => void;
  /**
   * Asked before a session is set up; throw a WhipHttpError to refuse (e.g. the recording is not running).
   * A valid token alone only proves the app issued it, not that the recording still accepts media.
   */
  admit?: (claims: Required<PublisherClaims>) => Promise<void>;
  /** A recording's sessions end (`limit-duration`) this long after its first session started; default 4 h. */
  maxRecordingMs?: number;
  /** Audio+video tracks one recording may hold over all its sessions; default 64. */
  maxTracksPerRecording?: number;
  /** New sessions are refused (507) below this much free space; running ones end (`limit-disk`) below half of it. Default 1 GiB. */
  minFreeBytes?: number;
  /** How often the duration and disk limits are checked while sessions run; default 5 s. */
  limitCheckIntervalMs?: number;
  /** Tests and the bench only: simulated loss and reordering before werift's SRTP/NACK handling. */
  impairment?: ReceiveImpairment;
}

/**
 * The ingest side of the recorder, ready to mount in any node:http server:
 * `if (await ingest(req, res)) return;`. Each session directory gets a `session.json`
 * (who published, when it started and ended, why, per-track stats) next to the per-track files;
 * each recording gets one `manifest.jsonl` shared by all its sessions (recorder/MANIFEST.md).
 */
export function createRecorderIngest(opts: RecorderIngestOptions): WhipHandler {
  const maxRecordingMs = opts.maxRecordingMs ?? DEFAULT_MAX_RECORDING_MS;
  const maxTracks = opts.maxTracksPerRecording ?? DEFAULT_MAX_TRACKS_PER_RECORDING;
  const minFreeBytes = opts.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const manifests = new ManifestRegistry(opts.directory, (err) => opts.log?.("manifest-write-failed", { error: String(err) }));
  const usage = new RecordingUsageBook(opts.directory);
  const active = new Map<string, Set<string>>(); // recordingId → running session ids
  const trackStats = new Map<string, Record<string, TrackEndStats>>(); // sessionId → trackId → stats
  const sessionManifest = new Map<string, ManifestWriter>();
  let limitTimer: NodeJS.Timeout | undefined;

  const createSession = publisherSessionFactory({
    icePortRange: opts.icePortRange,
    loopback: opts.loopback,
    iceAdditionalHostAddresses: opts.iceAdditionalHostAddresses,
    iceUseIpv6: opts.iceUseIpv6,
    inactivityTimeoutMs: opts.inactivityTimeoutMs,
    bitrateHints: opts.bitrateHints,
    impairment: opts.impairment,
    log: opts.log,
    createTrackSink: (track, req) => {
      const dir = sessionDirectory(opts.directory, req.recordingId, req.claims.participantId, req.sessionId);
      const manifest = sessionManifest.get(req.sessionId);
      const trackId = manifestTrackId(req.sessionId, track.trackIndex, track.kind);
      const writer: RawTrackWriter = new RawTrackWriter(track, {
        directory: dir,
        onEvent: (e) => {
          if (e.type === "track-end") (trackStats.get(req.sessionId) ?? {})[trackId] = e.stats;
          manifest?.append(
            trackManifestLine(req.sessionId, track, recordingRelativeFile(opts.directory, req.recordingId, writer.files.media), e),
          );
        },
      });
      return writer;
    },
  });

  async function checkLimits() {
    const now = Date.now();
    for (const [recordingId, sessions] of active) {
      if (sessions.size > 0 && now - usage.get(recordingId, now).firstStartedAtMs > maxRecordingMs) {
        opts.log?.("limit-duration", { recordingId, recordingIds: [recordingId] });
        await handler.closeRecording(recordingId, "limit-duration");
      }
    }
    const disk = await checkFreeSpace(opts.directory, minFreeBytes / 2).catch(() => undefined);
    if (disk && !disk.ok && handler.sessionCount > 0) {
      const recordingIds = [...active].filter(([, sessions]) => sessions.size > 0).map(([id]) => id);
      opts.log?.("limit-disk", { freeBytes: disk.freeBytes, recordingIds });
      await handler.closeAll("limit-disk");
    }
  }

  function track(recordingId: string, sessionId: string, running: boolean) {
    const set = active.get(recordingId) ?? new Set<string>();
    active.set(recordingId, set);
    if (running) set.add(sessionId);
    else set.delete(sessionId);
    const any = [...active.values()].some((s) => s.size > 0);
    if (any && !limitTimer) {
      limitTimer = setInterval(
        () => void checkLimits().catch((err) => opts.log?.("limit-check-failed", { error: String(err) })),
        opts.limitCheckIntervalMs ?? 5000,
      );
      limitTimer.unref();
    } else if (!any && limitTimer) {
      clearInterval(limitTimer);
      limitTimer = undefined;
    }
  }

  async function refuseOverLimits(req: SessionRequest): Promise<number> {
    const now = Date.now();
    const u = usage.get(req.recordingId, now);
    if (now - u.firstStartedAtMs > maxRecordingMs) {
      throw new WhipHttpError(
        403,
        "limit-duration",
        `recording ${req.recordingId} reached its maximum duration of ${Math.round(maxRecordingMs / 1000)} s`,
      );
    }
    const offered = offeredTrackCount(req.offerSdp);
    if (offered > MAX_TRACKS_PER_SESSION) {
      throw new WhipHttpError(
        400,
        "too-many-tracks",
        `an offer may carry at most ${MAX_TRACKS_PER_SESSION} audio/video tracks; this one has ${offered}`,
      );
    }
    if (u.tracks + offered > maxTracks) {
      throw new WhipHttpError(
        403,
        "limit-tracks",
        `recording ${req.recordingId} would exceed ${maxTracks} tracks (has ${u.tracks}, offer adds ${offered})`,
      );
    }
    await mkdir(opts.directory, { recursive: true });
    const disk = await checkFreeSpace(opts.directory, minFreeBytes);
    if (!disk.ok)
      throw new WhipHttpError(
        507,
        "insufficient-storage",
        `only ${disk.freeBytes} bytes free on the recorder's disk (need ${minFreeBytes})`,
      );
    u.tracks += offered;
    return offered;
  }

  const handler = createWhipHandler({
    verifyPublisherToken: (token) => verifyPublisherToken(opts.tokenSecret, token),
    allowedOrigins: opts.allowedOrigins,
    maxBodyBytes: opts.maxBodyBytes,
    readmit: opts.admit && ((claims) => opts.admit!({ ...claims, source: claims.source ?? "camera" } as Required<PublisherClaims>)),
    sessionFactory: async (req) => {
      const claims = { ...req.claims, source: req.claims.source ?? "camera" } as Required<PublisherClaims>;
      await opts.admit?.(claims);
      const offeredTracks = await refuseOverLimits(req);
      const dir = sessionDirectory(opts.directory, req.recordingId, claims.participantId, req.sessionId);
      await mkdir(dir, { recursive: true });
      const meta = { sessionId: req.sessionId, ...claims, startedAtMs: Date.now() };
      await writeFile(path.join(dir, "session.json"), JSON.stringify(meta, null, 2));
      const manifest = manifests.acquire(req.recordingId);
      sessionManifest.set(req.sessionId, manifest);
      trackStats.set(req.sessionId, {});
      const { recordingId: _r, ...who } = claims;
      manifest.append({ type: "session-start", sessionId: req.sessionId, ...who, offeredTracks, atMs: meta.startedAtMs });
      let session: Awaited<ReturnType<typeof createSession>>;
      try {
        session = await createSession(req);
      } catch (err) {
        manifest.append({ type: "session-end", sessionId: req.sessionId, reason: "negotiation-failed" });
        usage.get(req.recordingId, Date.now()).tracks -= offeredTracks; // a refused offer adds no tracks
        manifests.release(req.recordingId);
        sessionManifest.delete(req.sessionId);
        throw err;
      }
      track(req.recordingId, req.sessionId, true);
      let metaWritten: Promise<void> = Promise.resolve();
      session.onClosed((reason) => {
        const endedAtMs = Date.now();
        manifest.append({ type: "session-end", sessionId: req.sessionId, reason, atMs: endedAtMs });
        usage.get(req.recordingId, endedAtMs).tracks -= offeredTracks;
        manifests.release(req.recordingId);
        sessionManifest.delete(req.sessionId);
        track(req.recordingId, req.sessionId, false);
        const ended = { ...meta, endedAtMs, endReason: reason, stats: { tracks: trackStats.get(req.sessionId) ?? {} } };
        trackStats.delete(req.sessionId);
        metaWritten = writeFile(path.join(dir, "session.json"), JSON.stringify(ended, null, 2)).catch((err) =>
          opts.log?.("session-meta-write-failed", { sessionId: req.sessionId, error: String(err) }),
        );
      });
      // DELETE answers only once everything about the session is on disk.
      return {
        get answerSdp() {
          return session.answerSdp;
        },
        addRemoteCandidates: (frag) => session.addRemoteCandidates(frag),
        restartIce: (frag) => session.restartIce(frag),
        onClosed: (listener) => session.onClosed(listener),
        close: async (reason) => {
          await session.close(reason);
          await metaWritten;
        },
      };
    },
  });
  return handler;
}
