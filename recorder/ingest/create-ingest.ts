import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { verifyPublisherToken } from "../auth/publisher-token";
import { RawTrackWriter } from "../pipeline/raw-track-writer";
import { createWhipHandler, type WhipHandler } from "../whip/whip-handler";
import { publisherSessionFactory, type PublisherSessionOptions } from "./publisher-session";

export interface RecorderIngestOptions {
  /** HMAC secret shared with the app, which issues the publisher tokens. */
  tokenSecret: string | Buffer;
  /** Raw tracks go to `<directory>/<recordingId>/<participantId>/<sessionId>/`. */
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
  admit?: (claims: { recordingId: string; participantId: string; displayName: string }) => Promise<void>;
}

/** Where one publisher session's files live. */
export function sessionDirectory(root: string, recordingId: string, participantId: string, sessionId: string): string {
  return path.join(root, recordingId, participantId, sessionId);
}

/**
 * The ingest side of the recorder, ready to mount in any node:http server:
 * `if (await ingest(req, res)) return;`. Each session directory gets a `session.json`
 * (who published, when it started and ended, why) next to the per-track files.
 */
export function createRecorderIngest(opts: RecorderIngestOptions): WhipHandler {
  const createSession = publisherSessionFactory({
    icePortRange: opts.icePortRange,
    loopback: opts.loopback,
    iceAdditionalHostAddresses: opts.iceAdditionalHostAddresses,
    iceUseIpv6: opts.iceUseIpv6,
    inactivityTimeoutMs: opts.inactivityTimeoutMs,
    bitrateHints: opts.bitrateHints,
    log: opts.log,
    createTrackSink: (track, req) =>
      new RawTrackWriter(track, { directory: sessionDirectory(opts.directory, req.recordingId, req.claims.participantId, req.sessionId) }),
  });
  return createWhipHandler({
    verifyPublisherToken: (token) => verifyPublisherToken(opts.tokenSecret, token),
    allowedOrigins: opts.allowedOrigins,
    maxBodyBytes: opts.maxBodyBytes,
    sessionFactory: async (req) => {
      await opts.admit?.(req.claims);
      const dir = sessionDirectory(opts.directory, req.recordingId, req.claims.participantId, req.sessionId);
      await mkdir(dir, { recursive: true });
      const meta = { sessionId: req.sessionId, ...req.claims, startedAtMs: Date.now() };
      await writeFile(path.join(dir, "session.json"), JSON.stringify(meta, null, 2));
      const session = await createSession(req);
      let metaWritten: Promise<void> = Promise.resolve();
      session.onClosed((reason) => {
        const ended = { ...meta, endedAtMs: Date.now(), endReason: reason };
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
        onClosed: (listener) => session.onClosed(listener),
        close: async (reason) => {
          await session.close(reason);
          await metaWritten;
        },
      };
    },
  });
}
