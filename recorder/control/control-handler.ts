import { access, mkdir, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { listRecordingSessions } from "@/recorder/ingest/list-sessions";
import { WhipHttpError, type WhipHandler } from "@/recorder/whip/whip-handler";
import { BodyTooLargeError, bearerToken, readBodyLimited, sendProblem } from "@/recorder/whip/http-io";
import { ConsentLedger, consentRequest, type ConsentRequest, isParticipantOrTheirs } from "@/recorder/control/consent";
import { verifyControlToken } from "@/recorder/control/control-token";
import { listRecordingFiles, safeRelativePath, sendRecordingFile } from "@/recorder/control/recording-files";

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return "%";
  }
}

function sendJson(res: ServerResponse, value: unknown) {
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(value));
}

/**
 * The recorder's control API, mounted beside the WHIP ingest on the same server:
 *   DELETE {base}/recordings/{id}  ends every session of the recording and refuses new ones (409)
 *   PUT    {base}/recordings/{id}/paused  ends every session and refuses new ones until DELETE …/paused (a pause)
 *   DELETE {base}/recordings/{id}/paused  admits publishers again (resume)
 *   PUT    {base}/recordings/{id}/consent  {participantId, displayName, decision, textSha256}: written into the manifest;
 *          declined or withdrawn ends the participant's sessions and refuses theirs until given again
 *   GET    {base}/recordings/{id}  the recording's sessions as stored on disk
 *   GET    {base}/recordings/{id}/files         every raw file of the recording, with sizes
 *   GET    {base}/recordings/{id}/files/{path}  one raw file (a compositing worker on another host fetches them)
 *   GET    {base}/health           liveness (no token; says nothing about recordings)
 * Recording routes need `Authorization: Bearer <control token>` for that recording (see control-token.ts).
 */

export interface RecorderControlOptions {
  /** The shared secret (the same one publisher tokens are signed with). */
  secret: string | Buffer;
  /** The ingest's recordings directory. */
  directory: string;
  basePath?: string;
  log?: (event: string, data: Record<string, unknown>) => void;
}

export interface RecorderControl {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Pass as createRecorderIngest's `admit`: refuses sessions for closed recordings and participants without consent. */
  admit(claims: { recordingId: string; participantId?: string }): Promise<void>;
  /** Refuses a participant whose consent was declined or withdrawn (part of `admit`, for a custom admit to add). */
  admitConsent(claims: { recordingId: string; participantId?: string }): Promise<void>;
  /** A participant's consent decision in-process (what PUT …/consent does, without HTTP). */
  recordConsent(recordingId: string, request: ConsentRequest): Promise<void>;
  /** The ingest whose sessions DELETE ends; set once it exists (it needs `admit` first). */
  attachIngest(ingest: WhipHandler): void;
  /** Closes a recording in-process (what DELETE does, without HTTP). */
  closeRecording(recordingId: string): Promise<void>;
  isClosed(recordingId: string): Promise<boolean>;
  /** Pauses (ends sessions, refuses new ones) or resumes a recording in-process; closing stays final. */
  setPaused(recordingId: string, paused: boolean): Promise<void>;
  isPaused(recordingId: string): Promise<boolean>;
}

/** Marker that survives a restart, so a recording stopped before a crash stays stopped. */
export const CLOSED_MARKER = "closed.json";
/** Present while a recording is paused (survives a restart too); resume removes it. */
export const PAUSED_MARKER = "paused.json";
const ID = "[A-Za-z0-9_-]{1,128}";
/** A POST that passed `admit` just before DELETE may still be negotiating (up to 10 s); sweep again after. */
const LATE_SESSION_SWEEP_MS = 11_000;
const CONSENT_BODY_LIMIT = 4096;

export function createRecorderControl(opts: RecorderControlOptions): RecorderControl {
  const base = (opts.basePath ?? "").replace(/\/$/, "");
  const recordingRe = new RegExp(
    `^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/recordings/(${ID})(/files(?:/(.+))?|/paused|/consent)?/?$`,
  );
  const closed = new Set<string>();
  const consent = new ConsentLedger(opts.directory);
  let ingest: WhipHandler | undefined;
  const marked = (recordingId: string, marker: string) =>
    access(path.join(opts.directory, recordingId, marker)).then(
      () => true,
      () => false,
    );

  const isClosed = async (recordingId: string) => {
    if (closed.has(recordingId)) return true;
    const isMarked = await marked(recordingId, CLOSED_MARKER);
    if (isMarked) closed.add(recordingId);
    return isMarked;
  };
  // Read from disk each time: resume must take effect for the next publisher, on this process or after a restart.
  const isPaused = (recordingId: string) => marked(recordingId, PAUSED_MARKER);

  const setPaused = async (recordingId: string, paused: boolean) => {
    const file = path.join(opts.directory, recordingId, PAUSED_MARKER);
    if (!paused) {
      await rm(file, { force: true });
      opts.log?.("recording-resumed", { recordingId });
      return;
    }
    await mkdir(path.join(opts.directory, recordingId), { recursive: true });
    await writeFile(file, JSON.stringify({ pausedAtMs: Date.now() }));
    // Sessions admitted before the marker was written re-check admission once negotiated (create-ingest.ts).
    await ingest?.closeRecording(recordingId, "recording-paused");
    opts.log?.("recording-paused", { recordingId });
  };

  const closeRecording = async (recordingId: string) => {
    const firstTime = !(await isClosed(recordingId));
    closed.add(recordingId);
    if (firstTime) {
      await mkdir(path.join(opts.directory, recordingId), { recursive: true });
      await writeFile(path.join(opts.directory, recordingId, CLOSED_MARKER), JSON.stringify({ closedAtMs: Date.now() }));
    }
    await ingest?.closeRecording(recordingId, "recording-stopped");
    if (firstTime) {
      setTimeout(() => void ingest?.closeRecording(recordingId, "recording-stopped").catch(() => undefined), LATE_SESSION_SWEEP_MS).unref();
    }
    opts.log?.("recording-closed", { recordingId });
  };

  const recordConsent = async (recordingId: string, request: ConsentRequest) => {
    await consent.record(recordingId, request);
    if (request.decision !== "given") {
      await ingest?.closeParticipant(recordingId, (p) => isParticipantOrTheirs(request.participantId, p), "consent-withdrawn");
    }
    opts.log?.("consent-recorded", { recordingId, participantId: request.participantId, decision: request.decision });
  };

  const handler = (async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = (req.url ?? "/").split("?")[0];
    if (url === `${base}/health`) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendProblem(res, 405, "method-not-allowed", "use GET", { Allow: "GET, HEAD" });
        return true;
      }
      const body = JSON.stringify({ ok: true, sessions: ingest?.sessionCount ?? 0 });
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    const m = recordingRe.exec(url);
    if (!m) return false;
    const recordingId = m[1];
    const pausedRoute = m[2] === "/paused";
    const consentRoute = m[2] === "/consent";
    const files = m[2] !== undefined && !pausedRoute && !consentRoute;
    try {
      const allow = files ? "GET" : pausedRoute ? "PUT, DELETE" : consentRoute ? "PUT" : "GET, DELETE";
      if (!allow.split(", ").includes(req.method ?? "")) {
        sendProblem(res, 405, "method-not-allowed", `${req.method} is not allowed here; use ${allow}`, { Allow: allow });
        return true;
      }
      const token = bearerToken(req);
      if (!token) {
        sendProblem(res, 401, "missing-token", "Authorization: Bearer <control token> is required", {
          "WWW-Authenticate": 'Bearer realm="recorder-control"',
        });
        return true;
      }
      const verdict = verifyControlToken(opts.secret, token, recordingId);
      if (!verdict.ok) {
        sendProblem(res, 403, "invalid-token", `control token refused: ${verdict.reason}`);
        return true;
      }
      if (files) {
        const rel = m[3] === undefined ? undefined : safeRelativePath(safeDecode(m[3]));
        if (rel === null) sendProblem(res, 400, "bad-path", "not a file of this recording");
        else if (rel === undefined) sendJson(res, { recordingId, files: await listRecordingFiles(opts.directory, recordingId) });
        else if (!(await sendRecordingFile(res, opts.directory, recordingId, rel))) sendProblem(res, 404, "not-found", "no such file");
        return true;
      }
      if (consentRoute) {
        let body: unknown;
        try {
          body = JSON.parse(await readBodyLimited(req, CONSENT_BODY_LIMIT));
        } catch (err) {
          if (err instanceof BodyTooLargeError) sendProblem(res, 413, "body-too-large", `the body exceeds ${CONSENT_BODY_LIMIT} bytes`);
          else sendProblem(res, 400, "bad-json", "the body is not JSON");
          return true;
        }
        const parsed = consentRequest.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          sendProblem(res, 400, "bad-consent", `${issue.path.join(".") || "body"}: ${issue.message}`);
          return true;
        }
        await recordConsent(recordingId, parsed.data);
      }
      if (pausedRoute) await setPaused(recordingId, req.method === "PUT");
      else if (req.method === "DELETE" && !consentRoute) await closeRecording(recordingId);
      sendJson(res, {
        recordingId,
        closed: await isClosed(recordingId),
        paused: await isPaused(recordingId),
        sessions: await listRecordingSessions(opts.directory, recordingId),
      });
    } catch (err) {
      opts.log?.("control-error", { recordingId, error: String(err) });
      if (!res.headersSent) sendProblem(res, 500, "internal-error", "the recorder could not handle this request");
    }
    return true;
  }) as RecorderControl;

  handler.admit = async ({ recordingId, participantId }) => {
    if (await isClosed(recordingId)) {
      throw new WhipHttpError(409, "recording-not-running", `recording ${recordingId} was stopped; it accepts no new publishers`);
    }
    if (await isPaused(recordingId)) {
      throw new WhipHttpError(409, "recording-paused", `recording ${recordingId} is paused; publish again once it resumes`);
    }
    await handler.admitConsent({ recordingId, participantId });
  };
  handler.admitConsent = async ({ recordingId, participantId }) => {
    if (participantId && (await consent.refuses(recordingId, participantId))) {
      throw new WhipHttpError(403, "consent-not-given", "this participant has not consented to being recorded");
    }
  };
  handler.recordConsent = recordConsent;
  handler.attachIngest = (i) => {
    ingest = i;
  };
  handler.closeRecording = closeRecording;
  handler.isClosed = isClosed;
  handler.setPaused = setPaused;
  handler.isPaused = isPaused;
  return handler;
}
