// The compose job's live path with the movie uploaded while recording (live-movie-upload.ts): when the stored
// windows are the movie (tryLiveMovie's conditions) and this node streamed exactly those windows, the movie is
// only completed (the rest under one part, the header, the commit), confirmed by size, and the poster made from
// the local fragments file. Otherwise, or when completing fails, tryLiveMovie writes the movie to be uploaded.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@/server/platform/logger";
import type { UploadedObject } from "@/server/recordings/compose/upload-sink";
import { type LiveMovieOptions, livePoster, tryLiveMovie, usableLiveIndex } from "@/server/recordings/live/assemble-live-movie";
import type { LiveIndex } from "@/server/recordings/live/live-index";
import type { StreamedMovie } from "@/server/recordings/live/live-movie-upload";

/** What the node's live compositing kept of a finished recording (see LiveComposer). */
export interface FinishedLiveOutput {
  localFragments(recordingId: string): { file: string; segments: number } | undefined;
  streamedMovie?(recordingId: string): { key: string; segments: number; complete(): Promise<StreamedMovie | null> } | undefined;
}

export interface LiveMovieAtStop {
  index: LiveIndex;
  durationMs: number;
  /** Already in storage at the movie's key: nothing to upload for it. */
  streamed?: UploadedObject & { atStop: StreamedMovie["atStop"] };
}

export async function liveMovieAtStop(
  o: Omit<LiveMovieOptions, "local" | "salvage"> & { live?: FinishedLiveOutput; movieKey: string; logger?: Logger },
): Promise<LiveMovieAtStop | null> {
  const local = o.live?.localFragments(o.recordingId);
  const streamed = o.live?.streamedMovie?.(o.recordingId);
  const fallback = () => tryLiveMovie({ ...o, local });
  if (!local || !streamed || streamed.key !== o.movieKey || streamed.segments !== local.segments) return fallback();
  const index = await usableLiveIndex(o);
  // Not the movie as the recording stands: tryLiveMovie says the same, and the caller composites from the raw files.
  if (!index || index.segments.length !== local.segments) return fallback();
  const movie = await streamed.complete();
  const head = movie && (await o.storage.head(movie.key).catch(() => null));
  if (!movie || head?.size !== movie.bytes) {
    o.logger?.warn({ expected: movie?.bytes, stored: head?.size }, "streamed movie not complete in storage; writing the movie at Stop");
    return fallback();
  }
  const durationMs = index.segments.reduce((sum, s) => sum + s.durationMs, 0);
  await mkdir(path.dirname(o.posterFile), { recursive: true });
  await livePoster(o, local.file, durationMs);
  return {
    index,
    durationMs,
    streamed: { key: movie.key, size: movie.bytes, uploaded: true, localDeleted: false, atStop: movie.atStop },
  };
}
