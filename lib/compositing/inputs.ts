import type { Timeline, TimelineSession, TimelineTrack, TimeSpan, TrackPiece } from "@/lib/compositing/timeline";

/**
 * Which ffmpeg inputs a time window needs: one input per track piece that overlaps the window, opened with an
 * input seek and duration so a late window of a long call does not decode the call's start. Times here are
 * WINDOW-LOCAL (0 = the window's start), which is also the output time of a whole-recording render.
 */

export interface MediaInput {
  sessionId: string;
  track: TimelineTrack;
  kind: "audio" | "video";
  /** Input options: seek (`-ss`) and duration (`-t`) in ms of the file's own time after its start time. */
  seekMs: number;
  durationMs: number;
  /** Window-local time at which the decoded stream's pts 0 plays. */
  shiftMs: number;
  /** Window-local interval this input covers. */
  fromMs: number;
  toMs: number;
}

export interface InputResolution {
  /** The file's first timestamp in ms (ffprobe start_time): ffmpeg rebases inputs to it, so it must be added back. */
  startMsOf?: (track: TimelineTrack) => number;
}

export function windowInputs(timeline: Timeline, window: TimeSpan, res: InputResolution = {}): MediaInput[] {
  const inputs: MediaInput[] = [];
  for (const s of timeline.sessions) {
    for (const track of [...s.video, ...s.audio]) {
      for (const piece of track.pieces) {
        const input = pieceInput(s, track, piece, window, res.startMsOf?.(track) ?? 0);
        if (input) inputs.push(input);
      }
    }
  }
  return inputs;
}

function pieceInput(s: TimelineSession, track: TimelineTrack, p: TrackPiece, w: TimeSpan, startMs: number): MediaInput | undefined {
  const outFrom = Math.max(p.outFromMs, w.fromMs);
  const outTo = Math.min(p.outFromMs + p.fileToMs - p.fileFromMs, w.toMs);
  if (outTo <= outFrom) return undefined;
  const fileFrom = p.fileFromMs + (outFrom - p.outFromMs);
  const fileTo = fileFrom + (outTo - outFrom);
  // Decoded pts 0 is file time startMs + seekMs (ffmpeg seeks relative to the file's start time).
  const seekMs = Math.max(0, fileFrom - startMs);
  const firstFileMs = startMs + seekMs;
  const durationMs = fileTo - firstFileMs;
  if (durationMs <= 0) return undefined;
  const shiftMs = outFrom - w.fromMs + (firstFileMs - fileFrom);
  return {
    sessionId: s.sessionId,
    track,
    kind: track.kind,
    seekMs,
    durationMs,
    shiftMs,
    fromMs: outFrom - w.fromMs,
    toMs: outTo - w.fromMs,
  };
}

/** A track file a window reads, and the file time (ms) it reads up to. */
export interface WindowReadNeed {
  track: TimelineTrack;
  untilMs: number;
}

/**
 * How far into each file a window reads, for the tracks still being written (`open`): a running recording's window
 * is rendered only once its files are readable that far, or it would show a tile empty that the final movie fills.
 */
export function windowReadNeeds(
  timeline: Timeline,
  window: TimeSpan,
  open: (track: TimelineTrack) => boolean,
  res: InputResolution = {},
): WindowReadNeed[] {
  const needs = new Map<TimelineTrack, number>();
  for (const input of windowInputs(timeline, window, res)) {
    if (!open(input.track)) continue;
    const untilMs = (res.startMsOf?.(input.track) ?? 0) + input.seekMs + input.durationMs;
    needs.set(input.track, Math.max(needs.get(input.track) ?? 0, untilMs));
  }
  return [...needs].map(([track, untilMs]) => ({ track, untilMs }));
}
