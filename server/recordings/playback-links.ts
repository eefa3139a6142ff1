// Short-lived signed GET links for recordings (S3 presigned URLs, Azure read-only SAS): the browser streams
// (Range requests) or downloads the movie straight from the store without the app proxying bytes. Links are capped at 15 minutes: a leaked link
// stops working soon, and the page asks for a fresh one when playback resumes later.
import type { ObjectStorage } from "@/server/platform/storage/object-storage";

export const MAX_LINK_SECONDS = 900;
export const DEFAULT_LINK_SECONDS = 300;

export interface PlaybackLinkOptions {
  storage: ObjectStorage;
  key: string;
  /** Requested lifetime; clamped to 1..maxSeconds. */
  expiresInSeconds?: number;
  /** Deployment cap, itself never above MAX_LINK_SECONDS. */
  maxSeconds?: number;
}

export interface PlaybackLink {
  url: string;
  expiresAt: Date;
  expiresInSeconds: number;
}

export function clampLinkSeconds(requested: number | undefined, maxSeconds = MAX_LINK_SECONDS): number {
  const cap = Math.min(MAX_LINK_SECONDS, Math.max(1, Math.floor(maxSeconds)));
  const wanted = requested === undefined || !Number.isFinite(requested) ? Math.min(DEFAULT_LINK_SECONDS, cap) : Math.floor(requested);
  return Math.min(cap, Math.max(1, wanted));
}

/** For a <video> element: served inline as video/mp4 whatever content type the object was stored with. */
export function createPlaybackLink(opts: PlaybackLinkOptions): Promise<PlaybackLink> {
  return presign(opts, { contentType: "video/mp4", contentDisposition: "inline" });
}

/** "Download" button: the browser saves the file under `filename` instead of playing it. */
export function createDownloadLink(opts: PlaybackLinkOptions & { filename: string }): Promise<PlaybackLink> {
  return presign(opts, { contentDisposition: attachmentDisposition(opts.filename) });
}

/** `attachment; filename="..."` with a plain ASCII name: accents are folded ("Réunion" -> "Reunion") and
 *  characters that could break out of the header are replaced. No RFC 5987 `filename*=UTF-8''...`:
 *  the embedded s3rver canonicalizes query values with encodeURIComponent, which leaves ' * ( ) !
 *  unescaped while SigV4 escapes them, so any link whose response-content-disposition holds one of
 *  those characters is refused with SignatureDoesNotMatch (measured). They are replaced here too. */
export function attachmentDisposition(filename: string): string {
  const ascii = filename
    .normalize("NFKD")
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/[\\/"%;!'()*]/g, "_")
    .trim();
  return `attachment; filename="${ascii || "recording.mp4"}"`;
}

async function presign(opts: PlaybackLinkOptions, response: { contentType?: string; contentDisposition?: string }): Promise<PlaybackLink> {
  const expiresInSeconds = clampLinkSeconds(opts.expiresInSeconds, opts.maxSeconds);
  const expiresAt = new Date(Date.now() + expiresInSeconds * 1000);
  const url = await opts.storage.signedReadUrl(opts.key, { expiresInSeconds, ...response });
  return { url, expiresAt, expiresInSeconds };
}
