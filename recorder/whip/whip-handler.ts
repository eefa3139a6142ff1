// The WHIP endpoint (RFC 9725): routing, CORS, publisher authentication and session creation over node:http.
// Session resources (PATCH/DELETE) are in whip-session-resource.ts; the media side is behind WhipSession.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, bearerToken, mediaType, readBodyLimited, sendProblem } from "@/recorder/whip/http-io";
import { checkSdpOffer } from "@/recorder/whip/sdp-checks";
import { handleSessionRequest, newEtag, type SessionResourceContext } from "@/recorder/whip/whip-session-resource";
import { type SessionEntry, type WhipHandler, type WhipHandlerOptions, WhipHttpError } from "@/recorder/whip/whip-types";

export {
  WhipHttpError,
  type PublisherClaims,
  type SessionFactory,
  type SessionRequest,
  type TokenVerdict,
  type WhipHandler,
  type WhipHandlerOptions,
  type WhipSession,
} from "@/recorder/whip/whip-types";

const ID = "[A-Za-z0-9_-]{1,128}";
const METHODS_ENDPOINT = "POST, OPTIONS";
const METHODS_SESSION = "PATCH, DELETE, OPTIONS";

export function createWhipHandler(opts: WhipHandlerOptions): WhipHandler {
  const base = (opts.basePath ?? "/whip").replace(/\/$/, "");
  const limit = opts.maxBodyBytes ?? 64 * 1024;
  const quoted = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const endpointRe = new RegExp(`^${quoted}/(${ID})/?$`);
  const sessionRe = new RegExp(`^${quoted}/(${ID})/sessions/(${ID})/?$`);
  const sessions = new Map<string, SessionEntry>();
  const resource: SessionResourceContext = {
    sessions,
    verifyPublisherToken: opts.verifyPublisherToken,
    maxBodyBytes: limit,
    onClosed: (sessionId, recordingId, reason) => opts.onSessionEvent?.({ type: "closed", sessionId, recordingId, reason }),
  };

  function corsHeaders(req: IncomingMessage): Record<string, string> | null {
    const origin = req.headers.origin;
    const h: Record<string, string> = { "Access-Control-Expose-Headers": "Location, ETag, Link, Accept-Patch" };
    if (!opts.allowedOrigins) return { ...h, "Access-Control-Allow-Origin": "*" };
    if (!origin) return h;
    if (!opts.allowedOrigins.includes(origin)) return null;
    return { ...h, "Access-Control-Allow-Origin": origin, Vary: "Origin" };
  }

  const handler = (async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const cors = corsHeaders(req);
    if (!cors) {
      sendProblem(res, 403, "origin-not-allowed", `origin ${req.headers.origin} may not use this endpoint`);
      return true;
    }
    const em = endpointRe.exec(path);
    const sm = em ? null : sessionRe.exec(path);
    if (!em && !sm) {
      sendProblem(res, 404, "not-found", "no such WHIP resource", cors);
      return true;
    }
    const allow = em ? METHODS_ENDPOINT : METHODS_SESSION;
    try {
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          ...cors,
          Allow: allow,
          "Access-Control-Allow-Methods": allow,
          "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
          "Access-Control-Max-Age": "600",
          ...(em ? { "Accept-Post": "application/sdp" } : { "Accept-Patch": "application/trickle-ice-sdpfrag" }),
        });
        res.end();
      } else if (em && req.method === "POST") {
        await createSession(req, res, em[1], cors);
      } else if (sm && (req.method === "PATCH" || req.method === "DELETE")) {
        await handleSessionRequest(resource, req, res, { recordingId: sm[1]!, sessionId: sm[2]! }, cors);
      } else {
        sendProblem(res, 405, "method-not-allowed", `${req.method} is not allowed here; use ${allow}`, { ...cors, Allow: allow });
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        // Close the connection so we never read the rest of an oversized upload.
        res.shouldKeepAlive = false;
        sendProblem(res, 413, "body-too-large", `request body exceeds ${err.limit} bytes`, { ...cors, Connection: "close" });
        res.once("finish", () => req.destroy());
      } else if (err instanceof WhipHttpError) {
        sendProblem(res, err.status, err.code, err.message, cors);
      } else {
        opts.onError?.(err);
        if (res.headersSent) return true;
        sendProblem(res, 500, "internal-error", "the recorder could not handle this request", cors);
      }
    }
    return true;
  }) as WhipHandler;

  function authenticate(req: IncomingMessage, res: ServerResponse, recordingId: string, cors: Record<string, string>) {
    const token = bearerToken(req);
    if (!token) {
      sendProblem(res, 401, "missing-token", "Authorization: Bearer <publisher token> is required", {
        ...cors,
        "WWW-Authenticate": 'Bearer realm="whip"',
      });
      return null;
    }
    const verdict = opts.verifyPublisherToken(token);
    if (!verdict.ok) {
      sendProblem(res, 403, "invalid-token", `publisher token refused: ${verdict.reason}`, cors);
      return null;
    }
    if (verdict.claims.recordingId !== recordingId) {
      sendProblem(res, 403, "wrong-recording", "publisher token was issued for another recording", cors);
      return null;
    }
    return { token, claims: verdict.claims };
  }

  async function createSession(req: IncomingMessage, res: ServerResponse, recordingId: string, cors: Record<string, string>) {
    const auth = authenticate(req, res, recordingId, cors);
    if (!auth) return;
    if (mediaType(req) !== "application/sdp") {
      sendProblem(res, 415, "unsupported-media-type", "Content-Type must be application/sdp", {
        ...cors,
        "Accept-Post": "application/sdp",
      });
      return;
    }
    const offerSdp = await readBodyLimited(req, limit);
    const check = checkSdpOffer(offerSdp);
    if (!check.ok) {
      sendProblem(res, 400, "malformed-sdp", check.problem, cors);
      return;
    }
    const sessionId = randomUUID();
    const session = await opts.sessionFactory({ sessionId, recordingId, claims: auth.claims, offerSdp });
    const entry: SessionEntry = {
      session,
      recordingId,
      participantId: auth.claims.participantId,
      token: auth.token,
      etag: newEtag(),
      remoteUfrag: check.iceUfrag,
    };
    sessions.set(sessionId, entry);
    session.onClosed((reason) => forget(sessionId, reason));
    opts.onSessionEvent?.({ type: "created", sessionId, recordingId });
    try {
      await opts.readmit?.(auth.claims);
    } catch (err) {
      sessions.delete(sessionId);
      await session.close(err instanceof WhipHttpError && err.code === "recording-paused" ? "recording-paused" : "recording-stopped");
      opts.onSessionEvent?.({ type: "closed", sessionId, recordingId, reason: "readmit-refused" });
      throw err;
    }
    // One live session per publisher (a token names one participant and source): a new one is a reconnect and
    // replaces the old, so a token cannot hold many sessions open.
    await closeWhere((e) => e !== entry && e.recordingId === recordingId && e.participantId === entry.participantId, "replaced");
    const headers: Record<string, string | string[]> = {
      ...cors,
      "Content-Type": "application/sdp",
      Location: `${base}/${recordingId}/sessions/${sessionId}`,
      ETag: entry.etag,
      "Accept-Patch": "application/trickle-ice-sdpfrag",
    };
    if (opts.linkHeaders?.length) headers.Link = opts.linkHeaders;
    res.writeHead(201, headers);
    res.end(session.answerSdp);
  }

  function forget(sessionId: string, reason: string) {
    const entry = sessions.get(sessionId);
    if (!entry) return;
    sessions.delete(sessionId);
    opts.onSessionEvent?.({ type: "closed", sessionId, recordingId: entry.recordingId, reason });
  }

  Object.defineProperty(handler, "sessionCount", { get: () => sessions.size });
  handler.closeRecording = (recordingId, reason = "recording-stopped") => closeWhere((e) => e.recordingId === recordingId, reason);
  handler.closeParticipant = (recordingId, match, reason) =>
    closeWhere((e) => e.recordingId === recordingId && match(e.participantId), reason);
  handler.closeAll = (reason = "shutdown") => closeWhere(() => true, reason);
  async function closeWhere(match: (entry: SessionEntry) => boolean, reason: string) {
    const all = [...sessions.entries()].filter(([, e]) => match(e));
    for (const [id] of all) sessions.delete(id);
    await Promise.allSettled(all.map(([, e]) => e.session.close(reason)));
    for (const [id, e] of all) opts.onSessionEvent?.({ type: "closed", sessionId: id, recordingId: e.recordingId, reason });
  }
  return handler;
}
