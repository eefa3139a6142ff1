// Links to a movie served through the app's own origin, for the embedded object store: its presigned links would
// name 127.0.0.1 (unplayable from an agent's machine) and the store itself must not answer unsigned requests. The
// link is signed (HMAC over recording, variant and expiry) and expires like a presigned one; the route serving it
// also requires an agent session, so a leaked link alone plays nothing.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface MediaLinkClaims {
  recordingId: string;
  download: boolean;
  /** Unix seconds. */
  expires: number;
}

/** The links' key, derived from AUTH_SECRET (so every node signs and checks alike). */
export const appMediaSecret = (authSecret: string) => createHmac("sha256", authSecret).update("vhd-media-links").digest("base64url");

const payload = (c: MediaLinkClaims) => `${c.recordingId}|${c.download ? "download" : "play"}|${c.expires}`;

function signature(secret: string, c: MediaLinkClaims): string {
  return createHmac("sha256", secret)
    .update(`vhd-media-link|${payload(c)}`)
    .digest("base64url");
}

/** A path on this site: `/api/recordings/{id}/media?...`. */
export function mediaLinkPath(secret: string, c: MediaLinkClaims): string {
  const q = new URLSearchParams({ expires: String(c.expires), sig: signature(secret, c) });
  if (c.download) q.set("download", "1");
  return `/api/recordings/${encodeURIComponent(c.recordingId)}/media?${q}`;
}

export type MediaLinkVerdict = { ok: true } | { ok: false; reason: "expired" | "bad-signature" };

export function verifyMediaLink(secret: string, c: MediaLinkClaims, sig: string, nowSeconds = Date.now() / 1000): MediaLinkVerdict {
  const expected = Buffer.from(signature(secret, c));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  if (c.expires < nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true };
}

/** A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range, as S3 takes it; anything else is served whole. */
export function singleByteRange(header: string | null): string | undefined {
  if (!header) return undefined;
  return /^bytes=(\d+-\d*|-\d+)$/.test(header.trim()) ? header.trim() : undefined;
}

/** A live output object (init or segment) through the app's origin: signed over recording, file and expiry. */
export interface LiveObjectClaims {
  recordingId: string;
  file: string;
  expires: number;
}

const liveSignature = (secret: string, c: LiveObjectClaims) =>
  createHmac("sha256", secret).update(`vhd-live-object|${c.recordingId}|${c.file}|${c.expires}`).digest("base64url");

export function liveObjectPath(secret: string, c: LiveObjectClaims): string {
  const q = new URLSearchParams({ expires: String(c.expires), sig: liveSignature(secret, c) });
  return `/api/recordings/${encodeURIComponent(c.recordingId)}/live/${encodeURIComponent(c.file)}?${q}`;
}

export function verifyLiveObjectLink(secret: string, c: LiveObjectClaims, sig: string, nowSeconds = Date.now() / 1000): MediaLinkVerdict {
  const expected = Buffer.from(liveSignature(secret, c));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  if (c.expires < nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true };
}
