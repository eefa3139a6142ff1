// At Stop the stored live segments already are the movie: the init segment and every media segment in order make
// one fragmented MP4, rewritten (no re-encoding, no remux: faststart-movie.ts) into a +faststart MP4. Seconds for
// any length, where compositing the raw files again would take about a fifth of the recording's length.
import { createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import { posterArgs } from "@/lib/compositing/ffmpeg-args";
import { liveKeys } from "@/lib/compositing/live";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { runFfmpeg } from "@/server/recordings/compose/ffmpeg-runner";
import { writeFaststartMovie } from "@/server/recordings/live/faststart-movie";
import { livePrefix, readLiveIndex, type LiveIndex } from "@/server/recordings/live/live-index";

export interface LiveMovieOptions {
  storage: ObjectStorage;
  recordingId: string;
  /** basisOf the recording as it stands: segments rendered from anything else (e.g. before a layout change) are not used. */
  basis: string;
  outFile: string;
  posterFile: string;
  tools?: { ffmpeg: string; ffprobe: string };
  signal?: AbortSignal;
  /**
   * Take the windows of a renderer that never finished (its node was lost), whatever spans they cover, if they are of
   * this layout (layoutBasisOf the recording as it stands: after a layout change they are not).
   */
  salvage?: { layoutBasis: string };
  /** The same init and segments already in one local file (the node that rendered them): used instead of downloading. */
  local?: { file: string; segments: number };
}

/** The live index when its segments are the whole recording as it stands (or, salvaging, a lost node's), else null. */
export async function usableLiveIndex(
  o: Pick<LiveMovieOptions, "storage" | "recordingId" | "basis" | "salvage">,
): Promise<LiveIndex | null> {
  // Storage unreachable: composite from the raw files; the upload after that waits for storage like any movie.
  const index = await readLiveIndex(o.storage, o.recordingId).catch(() => null);
  if (!index || index.segments.length === 0) return null;
  if (
    o.salvage
      ? index.ended || (index.layoutBasis ?? o.salvage.layoutBasis) !== o.salvage.layoutBasis
      : !index.ended || index.basis !== o.basis
  )
    return null;
  if (index.segments.some((s, i) => s.index !== i)) return null;
  return index;
}

/** The poster from a movie (faststart or fragmented: ffmpeg reads both), a few seconds in. */
export async function livePoster(o: Pick<LiveMovieOptions, "posterFile" | "tools" | "signal">, movie: string, durationMs: number) {
  const run = (args: string[], ms: number) =>
    runFfmpeg(args, { binary: o.tools?.ffmpeg, durationMs: ms, signal: o.signal, timeoutMs: 60_000 + ms / 10 });
  await run(posterArgs(movie, Math.min(3000, durationMs / 2), o.posterFile), 1000);
  if (!(await stat(o.posterFile).catch(() => null))) await run(posterArgs(movie, 0, o.posterFile), 1000);
}

/** The movie from the stored segments, or null when they are not the whole recording as it stands. */
export async function tryLiveMovie(o: LiveMovieOptions): Promise<{ index: LiveIndex; durationMs: number } | null> {
  const index = await usableLiveIndex(o);
  if (!index) return null;
  await mkdir(path.dirname(o.outFile), { recursive: true });
  const useLocal = !o.salvage && o.local?.segments === index.segments.length;
  const joined = useLocal ? o.local!.file : `${o.outFile}.fmp4`;
  try {
    if (!useLocal) await download(o, index, joined);
    const durationMs = index.segments.reduce((sum, s) => sum + s.durationMs, 0);
    await writeFaststartMovie(joined, o.outFile);
    await livePoster(o, o.outFile, durationMs);
    return { index, durationMs };
  } finally {
    if (!useLocal) await rm(joined, { force: true });
  }
}

async function download(o: LiveMovieOptions, index: LiveIndex, into: string): Promise<void> {
  const out = createWriteStream(into);
  for (const key of [liveKeys.init, ...index.segments.map((s) => liveKeys.segment(s.index))]) {
    const got = await o.storage.getStream(livePrefix(o.recordingId) + key, { signal: o.signal });
    for await (const chunk of got.body) if (!out.write(chunk)) await once(out, "drain");
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
