// Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" so a receiver can check both that the body came
// from us unmodified and that it is recent (a captured request cannot be replayed later). The timestamp is
// signed per attempt, so a retried delivery carries a fresh one.
import { createHmac, timingSafeEqual } from "node:crypto";

export const TIMESTAMP_HEADER = "X-VHD-Timestamp";
export const SIGNATURE_HEADER = "X-VHD-Signature";
/** How far a receiver accepts a timestamp from its own clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookSignatureHeaders {
  "X-VHD-Timestamp": string;
  "X-VHD-Signature": string;
}

function hmacHex(secret: string, timestampSec: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampSec}.${body}`).digest("hex");
}

export function signWebhook(secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)): WebhookSignatureHeaders {
  if (!secret) throw new Error("webhook secret is empty");
  if (!Number.isInteger(timestampSec)) throw new Error("webhook timestamp must be whole seconds");
  return {
    [TIMESTAMP_HEADER]: String(timestampSec),
    [SIGNATURE_HEADER]: `v1=${hmacHex(secret, timestampSec, body)}`,
  } as WebhookSignatureHeaders;
}

export type VerifyResult = { ok: true; timestampSec: number } | { ok: false; reason: string };

export interface VerifyOptions {
  toleranceSeconds?: number;
  nowSec?: number;
}

/**
 * Checks a received webhook. `body` must be the raw request body exactly as received (not re-serialized
 * JSON). `secrets` may list several during a rotation. The signature header may carry several
 * comma-separated `v1=` values; one match is enough.
 */
export function verifyWebhook(
  secrets: string | string[],
  body: string,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined },
  opts: VerifyOptions = {},
): VerifyResult {
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, reason: "missing or malformed timestamp" };
  const timestampSec = Number(headers.timestamp);
  if (Math.abs(now - timestampSec) > tolerance) return { ok: false, reason: "timestamp outside tolerance" };
  const provided = (headers.signature ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.startsWith("v1="))
    .map((part) => part.slice(3))
    .filter((hex) => /^[0-9a-f]{64}$/.test(hex))
    .map((hex) => Buffer.from(hex, "hex"));
  if (!provided.length) return { ok: false, reason: "missing or malformed signature" };
  for (const secret of Array.isArray(secrets) ? secrets : [secrets]) {
    if (!secret) continue;
    const expected = Buffer.from(hmacHex(secret, timestampSec, body), "hex");
    // Constant-time comparison: a byte-by-byte early exit would leak how much of a forged signature matched.
    if (provided.some((sig) => timingSafeEqual(sig, expected))) return { ok: true, timestampSec };
  }
  return { ok: false, reason: "signature mismatch" };
}
