import { createHmac, timingSafeEqual } from "node:crypto";

/** What a publisher session carries: a camera (with microphone), a screen share, or an external encoder. */
export type PublisherSource = "camera" | "screen" | "external";
export const PUBLISHER_SOURCES: readonly PublisherSource[] = ["camera", "screen", "external"];

/** Claims a verified publisher token grants: one participant may publish into one recording. */
export interface PublisherClaims {
  recordingId: string;
  participantId: string;
  displayName: string;
  /** Optional when issuing (default `camera`); always set on verified claims. */
  source?: PublisherSource;
}

export type PublisherTokenVerdict =
  | { ok: true; claims: PublisherClaims; expiresAt: number }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" | "wrong-recording" };

interface Payload {
  rid: string;
  pid: string;
  name: string;
  exp: number; // seconds since epoch
  iat: number;
  src?: PublisherSource; // absent in tokens issued before sources existed: camera
}

const PREFIX = "wp1.";
const DEFAULT_TTL_SECONDS = 120;

function sign(secret: string | Buffer, body: string): Buffer {
  return createHmac("sha256", secret).update(PREFIX).update(body).digest();
}

/** Issues `wp1.<payload>.<sig>`; short-lived so a leaked token is of little use and no revocation list is needed. */
export function issuePublisherToken(
  secret: string | Buffer,
  claims: PublisherClaims,
  opts: { ttlSeconds?: number; nowMs?: number } = {},
): string {
  const iat = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const payload: Payload = {
    rid: claims.recordingId,
    pid: claims.participantId,
    name: claims.displayName,
    iat,
    exp: iat + (opts.ttlSeconds ?? DEFAULT_TTL_SECONDS),
  };
  if (claims.source && claims.source !== "camera") payload.src = claims.source;
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${PREFIX}${body}.${sign(secret, body).toString("base64url")}`;
}

/**
 * Verifies without any database: signature first (constant time), then expiry, then—when the caller
 * knows which recording the request targets—that the token was issued for that recording.
 */
export function verifyPublisherToken(
  secret: string | Buffer,
  token: string,
  opts: { expectedRecordingId?: string; nowMs?: number } = {},
): PublisherTokenVerdict {
  if (typeof token !== "string" || !token.startsWith(PREFIX)) return { ok: false, reason: "malformed" };
  const parts = token.slice(PREFIX.length).split(".");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: "malformed" };
  const [body, sig] = parts;
  const given = Buffer.from(sig, "base64url");
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (
    !payload ||
    typeof payload.rid !== "string" ||
    typeof payload.pid !== "string" ||
    typeof payload.name !== "string" ||
    typeof payload.exp !== "number" ||
    (payload.src !== undefined && !PUBLISHER_SOURCES.includes(payload.src))
  ) {
    return { ok: false, reason: "malformed" };
  }
  const nowSec = (opts.nowMs ?? Date.now()) / 1000;
  if (nowSec >= payload.exp) return { ok: false, reason: "expired" };
  if (opts.expectedRecordingId !== undefined && opts.expectedRecordingId !== payload.rid) {
    return { ok: false, reason: "wrong-recording" };
  }
  return {
    ok: true,
    claims: { recordingId: payload.rid, participantId: payload.pid, displayName: payload.name, source: payload.src ?? "camera" },
    expiresAt: payload.exp * 1000,
  };
}
