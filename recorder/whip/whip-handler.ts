import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, bearerToken, mediaType, readBodyLimited, sendProblem } from "@/recorder/whip/http-io";
import { checkSdpOffer, parseSdpFragment, type SdpFragment } from "@/recorder/whip/sdp-checks";

import type { PublisherClaims } from "@/recorder/auth/publisher-token";

export type { PublisherClaims };

export type TokenVerdict = { ok: true; claims: PublisherClaims } | { ok: false; reason: string };

/** The media side of one WHIP session; the HTTP layer knows nothing about WebRTC beyond this. */
export interface WhipSession {
  readonly answerSdp: string;
  /** Trickle ICE; omit when unsupported. */
  addRemoteCandidates?(frag: SdpFragment): Promise<void>;
  /** ICE restart; resolves to the answer sdpfrag. Omit when unsupported. */
  restartIce?(frag: SdpFragment): Promise<string>;
  close(reason: string): Promise<void>;
  /** Called once when the media side ends on its own (ICE failure, inactivity). */
  onClosed(listener: (reason: string) => void): void;
}

export interface SessionRequest {
  sessionId: string;
  recordingId: string;
  claims: PublisherClaims;
  offerSdp: string;
}

export type SessionFactory = (request: SessionRequest) => Promise<WhipSession>;

/** Thrown by a SessionFactory to answer with a specific status (e.g. 422 no usable codec, 503 at capacity). */
export class WhipHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface WhipHandlerOptions {
  verifyPublisherToken: (token: string) => TokenVerdict;
  sessionFactory: SessionFactory;
  basePath?: string;
  maxBodyBytes?: number;
  /** Origins allowed by CORS; undefined means any origin ("*"). */
  allowedOrigins?: string[];
  /** Extra `Link` header values on 201 (e.g. ICE servers, RFC 9725 §4.6). */
  linkHeaders?: string[];
  /** Unexpected failures (answered with 500); the HTTP body never carries their details. */
  onError?: (err: unknown) => void;
  onSessionEvent?: (event: { type: "created" | "closed"; sessionId: string; recordingId: string; reason?: string }) => void;
}

export interface WhipHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly sessionCount: number;
  closeAll(reason?: string): Promise<void>;
  /** Ends every session publishing into one recording (the recording was stopped). */
  closeRecording(recordingId: string, reason?: string): Promise<void>;
}

interface Entry {
  session: WhipSession;
  recordingId: string;
  participantId: string;
  token: string;
  etag: string;
  remoteUfrag: string;
}

const ID = "[A-Za-z0-9_-]{1,128}";
const METHODS_ENDPOINT = "POST, OPTIONS";
const METHODS_SESSION = "PATCH, DELETE, OPTIONS";
const newEtag = () => `"${randomBytes(9).toString("base64url")}"`;

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createWhipHandler(opts: WhipHandlerOptions): WhipHandler {
  const base = (opts.basePath ?? "/whip").replace(/\/$/, "");
  const limit = opts.maxBodyBytes ?? 64 * 1024;
  const quoted = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const endpointRe = new RegExp(`^${quoted}/(${ID})/?$`);
  const sessionRe = new RegExp(`^${quoted}/(${ID})/sessions/(${ID})/?$`);
  const sessions = new Map<string, Entry>();

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
    if (path !== base && !path.startsWith(base + "/")) return false;
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
        await onSessionRequest(req, res, sm[1], sm[2], cors);
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
      sendProblem(res, 415, "unsupported-media-type", "Content-Type must be application/sdp", { ...cors, "Accept-Post": "application/sdp" });
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
    const entry: Entry = { session, recordingId, participantId: auth.claims.participantId, token: auth.token, etag: newEtag(), remoteUfrag: check.iceUfrag };
    sessions.set(sessionId, entry);
    session.onClosed((reason) => forget(sessionId, reason));
    opts.onSessionEvent?.({ type: "created", sessionId, recordingId });
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

  async function onSessionRequest(
    req: IncomingMessage,
    res: ServerResponse,
    recordingId: string,
    sessionId: string,
    cors: Record<string, string>,
  ) {
    const token = bearerToken(req);
    if (!token) {
      sendProblem(res, 401, "missing-token", "Authorization: Bearer <publisher token> is required", cors);
      return;
    }
    const entry = sessions.get(sessionId);
    if (!entry || entry.recordingId !== recordingId) {
      sendProblem(res, 404, "unknown-session", "no such WHIP session (ended or never existed)", cors);
      return;
    }
    // The token that opened the session keeps working after it expires: sessions outlive the token's short TTL.
    const verdict = sameString(token, entry.token) ? null : opts.verifyPublisherToken(token);
    if (verdict && (!verdict.ok || verdict.claims.recordingId !== recordingId || verdict.claims.participantId !== entry.participantId)) {
      sendProblem(res, 403, "invalid-token", "this token may not control this session", cors);
      return;
    }
    if (req.method === "DELETE") {
      sessions.delete(sessionId);
      await entry.session.close("deleted");
      opts.onSessionEvent?.({ type: "closed", sessionId, recordingId, reason: "deleted" });
      res.writeHead(200, cors);
      res.end();
      return;
    }
    await patchSession(req, res, entry, cors);
  }

  async function patchSession(req: IncomingMessage, res: ServerResponse, entry: Entry, cors: Record<string, string>) {
    const { session } = entry;
    if (!session.addRemoteCandidates && !session.restartIce) {
      sendProblem(res, 405, "patch-unsupported", "this session supports neither trickle ICE nor ICE restart", {
        ...cors,
        Allow: "DELETE, OPTIONS",
      });
      return;
    }
    if (mediaType(req) !== "application/trickle-ice-sdpfrag") {
      sendProblem(res, 415, "unsupported-media-type", "Content-Type must be application/trickle-ice-sdpfrag", {
        ...cors,
        "Accept-Patch": "application/trickle-ice-sdpfrag",
      });
      return;
    }
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && ifMatch.trim() !== "*" && ifMatch.trim() !== entry.etag) {
      sendProblem(res, 412, "etag-mismatch", "If-Match does not match the session's current ETag", { ...cors, ETag: entry.etag });
      return;
    }
    const frag = parseSdpFragment(await readBodyLimited(req, limit));
    if ("problem" in frag) {
      sendProblem(res, 400, "malformed-sdpfrag", frag.problem, cors);
      return;
    }
    // RFC 8840: a trickle fragment repeats the current ufrag; a new one means the client restarts ICE.
    const isRestart = frag.iceUfrag !== undefined && frag.iceUfrag !== entry.remoteUfrag;
    if (isRestart) {
      if (!session.restartIce) {
        sendProblem(res, 422, "ice-restart-unsupported", "this session does not support ICE restarts", cors);
        return;
      }
      const answerFrag = await session.restartIce(frag);
      entry.etag = newEtag();
      entry.remoteUfrag = frag.iceUfrag!;
      res.writeHead(200, { ...cors, "Content-Type": "application/trickle-ice-sdpfrag", ETag: entry.etag });
      res.end(answerFrag);
      return;
    }
    if (!session.addRemoteCandidates) {
      sendProblem(res, 422, "trickle-unsupported", "this session does not support trickle ICE", cors);
      return;
    }
    await session.addRemoteCandidates(frag);
    res.writeHead(204, cors);
    res.end();
  }

  Object.defineProperty(handler, "sessionCount", { get: () => sessions.size });
  handler.closeRecording = (recordingId, reason = "recording-stopped") => closeWhere((e) => e.recordingId === recordingId, reason);
  handler.closeAll = (reason = "shutdown") => closeWhere(() => true, reason);
  async function closeWhere(match: (entry: { recordingId: string }) => boolean, reason: string) {
    const all = [...sessions.entries()].filter(([, e]) => match(e));
    for (const [id] of all) sessions.delete(id);
    await Promise.allSettled(all.map(([, e]) => e.session.close(reason)));
    for (const [id, e] of all) opts.onSessionEvent?.({ type: "closed", sessionId: id, recordingId: e.recordingId, reason });
  }
  return handler;
}
