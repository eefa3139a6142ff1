// A WHIP session resource (RFC 9725 §4.3–4.4): DELETE ends it, PATCH carries trickle ICE or an ICE restart.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerToken, mediaType, readBodyLimited, sendProblem } from "@/recorder/whip/http-io";
import { parseSdpFragment } from "@/recorder/whip/sdp-checks";
import type { SessionEntry, TokenVerdict } from "@/recorder/whip/whip-types";

type Headers = Record<string, string>;

export const newEtag = () => `"${randomBytes(9).toString("base64url")}"`;

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SessionResourceContext {
  sessions: Map<string, SessionEntry>;
  verifyPublisherToken: (token: string) => TokenVerdict;
  maxBodyBytes: number;
  onClosed: (sessionId: string, recordingId: string, reason: string) => void;
}

export async function handleSessionRequest(
  ctx: SessionResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  ids: { recordingId: string; sessionId: string },
  cors: Headers,
): Promise<void> {
  const token = bearerToken(req);
  if (!token) {
    sendProblem(res, 401, "missing-token", "Authorization: Bearer <publisher token> is required", cors);
    return;
  }
  const entry = ctx.sessions.get(ids.sessionId);
  if (!entry || entry.recordingId !== ids.recordingId) {
    sendProblem(res, 404, "unknown-session", "no such WHIP session (ended or never existed)", cors);
    return;
  }
  // The token that opened the session keeps working after it expires: sessions outlive the token's short TTL.
  const verdict = sameString(token, entry.token) ? null : ctx.verifyPublisherToken(token);
  if (verdict && (!verdict.ok || verdict.claims.recordingId !== ids.recordingId || verdict.claims.participantId !== entry.participantId)) {
    sendProblem(res, 403, "invalid-token", "this token may not control this session", cors);
    return;
  }
  if (req.method === "DELETE") {
    ctx.sessions.delete(ids.sessionId);
    await entry.session.close("deleted");
    ctx.onClosed(ids.sessionId, ids.recordingId, "deleted");
    res.writeHead(200, cors);
    res.end();
    return;
  }
  await patchSession(req, res, entry, cors, ctx.maxBodyBytes);
}

async function patchSession(req: IncomingMessage, res: ServerResponse, entry: SessionEntry, cors: Headers, limit: number) {
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
