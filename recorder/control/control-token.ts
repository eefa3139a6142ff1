import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Control tokens let the app (holding the shared secret) act on one recording at a recorder that runs
 * elsewhere: `rc1.<recordingId>.<expiry seconds>.<HMAC-SHA256(recordingId|expiry)>`. The signed text
 * carries its own label, so neither a publisher token nor any other HMAC of the secret can pass for one.
 */

const PREFIX = "rc1";
const LABEL = "vhd-recorder-control";
/** A token valid for longer than this is refused even when correctly signed: they are meant to be minted per call. */
const MAX_TTL_SECONDS = 3600;

export type ControlTokenVerdict =
  | { ok: true; recordingId: string; expiresAt: number }
  | { ok: false; reason: "malformed" | "bad-signature" | "expired" | "wrong-recording" | "too-long-lived" };

function sign(secret: string | Buffer, recordingId: string, expiry: number): Buffer {
  return createHmac("sha256", secret).update(`${LABEL}|${recordingId}|${expiry}`).digest();
}

export function issueControlToken(secret: string | Buffer, recordingId: string, ttlSeconds = 60, nowMs = Date.now()): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(recordingId)) throw new Error("recordingId must match [A-Za-z0-9_-]{1,128}");
  const expiry = Math.floor(nowMs / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return `${PREFIX}.${recordingId}.${expiry}.${sign(secret, recordingId, expiry).toString("base64url")}`;
}

export function verifyControlToken(
  secret: string | Buffer,
  token: string,
  expectedRecordingId: string,
  nowMs = Date.now(),
): ControlTokenVerdict {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 4 || parts[0] !== PREFIX || !/^\d{1,12}$/.test(parts[2])) return { ok: false, reason: "malformed" };
  const [, recordingId, expiryText, sig] = parts;
  const expiry = Number(expiryText);
  const given = Buffer.from(sig, "base64url");
  const expected = sign(secret, recordingId, expiry);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  const nowSec = nowMs / 1000;
  if (nowSec >= expiry) return { ok: false, reason: "expired" };
  if (expiry - nowSec > MAX_TTL_SECONDS) return { ok: false, reason: "too-long-lived" };
  if (recordingId !== expectedRecordingId) return { ok: false, reason: "wrong-recording" };
  return { ok: true, recordingId, expiresAt: expiry * 1000 };
}
