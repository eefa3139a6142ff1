import path from "node:path";
import type { TrackInfo } from "@/recorder/pipeline/types";

export interface RawTrackFiles {
  media: string;
  timing: string;
}

/** A track's files in its session folder: `track<N>-<kind>.webm` (`.mkv` for H.264) and its timing sidecar. */
export function rawTrackFiles(directory: string, track: Pick<TrackInfo, "trackIndex" | "kind" | "codec">, name?: string): RawTrackFiles {
  const base = path.join(directory, name ?? `track${track.trackIndex}-${track.kind}`);
  return { media: `${base}.${track.codec === "h264" ? "mkv" : "webm"}`, timing: `${base}.timing.jsonl` };
}
