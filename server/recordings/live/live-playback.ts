// Watching a recording's live output: the HLS media playlist (EVENT while recording, closed at Stop; VOD once
// ready) whose init and segment URIs are short-lived links, signed by the store (S3 presigned, Azure SAS) or, with the embedded store,
// signed links through the app's origin (`/api/recordings/{id}/live/{file}`), served with Range like the movie.
import { liveKeys, mediaPlaylist } from "@/lib/compositing/live";
import { conflict, forbidden, notFound } from "@/lib/domain/result";
import { isObjectNotFound, type ObjectStorage, RangeNotSatisfiableError, webStream } from "@/server/platform/storage/object-storage";
import { clampLinkSeconds } from "@/server/recordings/playback-links";
import { liveObjectPath, singleByteRange, verifyLiveObjectLink } from "@/server/recordings/media-link";
import { livePrefix, readLiveIndex } from "@/server/recordings/live/live-index";

export interface LivePlaybackOptions {
  storage: ObjectStorage;
  linkSeconds: number;
  appMediaSecret?: string;
}

/** Only these names are live objects; anything else in a request is refused before storage is asked. */
export const LIVE_FILE = /^(init\.mp4|seg-\d{5}\.m4s)$/;
const GONE = new Set(["deleted", "expired"]);

export async function livePlaylist(
  o: LivePlaybackOptions,
  recording: { id: string; status: string },
  opts: { vod: boolean },
): Promise<Response> {
  if (GONE.has(recording.status)) throw notFound(`the recording is ${recording.status}`);
  const index = await readLiveIndex(o.storage, recording.id);
  if (!index || index.segments.length === 0) throw conflict("the recording has no live segments yet");
  if (opts.vod && !index.ended) throw conflict("the recording is still running: watch it live");
  const expires = Math.floor(Date.now() / 1000) + clampLinkSeconds(o.linkSeconds);
  const files = new Map<string, string>();
  for (const file of ["init.mp4", ...index.segments.map((s) => liveKeys.segment(s.index).slice("live/".length))]) {
    files.set(
      file,
      o.appMediaSecret
        ? liveObjectPath(o.appMediaSecret, { recordingId: recording.id, file, expires })
        : await o.storage.signedReadUrl(`${livePrefix(recording.id)}live/${file}`, {
            expiresInSeconds: expires - Math.floor(Date.now() / 1000),
          }),
    );
  }
  const body = mediaPlaylist({
    segments: index.segments,
    windowMs: index.windowMs,
    ended: index.ended,
    vod: opts.vod,
    initUri: files.get("init.mp4")!,
    segmentUri: (i) => files.get(liveKeys.segment(i).slice("live/".length))!,
  });
  return new Response(body, {
    headers: { "content-type": "application/vnd.apple.mpegurl", "cache-control": "private, no-store", "referrer-policy": "no-referrer" },
  });
}

/** One live object through the app's origin (embedded store): signature and expiry checked, Range → 206. */
export async function liveObject(
  o: LivePlaybackOptions,
  recording: { id: string; status: string },
  link: { file: string; expires: number; sig: string; range: string | null },
): Promise<Response> {
  if (!o.appMediaSecret) throw notFound("live segments are served by the object store here");
  if (!LIVE_FILE.test(link.file)) throw notFound("no such live object");
  const verdict = verifyLiveObjectLink(o.appMediaSecret, { recordingId: recording.id, file: link.file, expires: link.expires }, link.sig);
  if (!verdict.ok) throw forbidden(`live link refused: ${verdict.reason}`);
  if (GONE.has(recording.status)) throw notFound(`the recording is ${recording.status}`);
  const range = singleByteRange(link.range);
  const object = await o.storage.getStream(`${livePrefix(recording.id)}live/${link.file}`, { range }).catch((err: unknown) => {
    if (isObjectNotFound(err)) throw notFound("no such live object");
    if (err instanceof RangeNotSatisfiableError) return null;
    throw err;
  });
  if (!object) return new Response(null, { status: 416 });
  const headers = new Headers({
    "content-type": link.file.endsWith(".m4s") ? "video/iso.segment" : "video/mp4",
    "accept-ranges": "bytes",
    "cache-control": "private, max-age=60",
  });
  if (object.contentLength !== undefined) headers.set("content-length", String(object.contentLength));
  if (object.contentRange) headers.set("content-range", object.contentRange);
  return new Response(webStream(object.body), { status: range && object.contentRange ? 206 : 200, headers });
}
