import type { ManifestEvent, SessionSource } from "@/lib/compositing/manifest";
import { SpanMap } from "@/lib/compositing/span-map";
import { unrecordedSessions } from "@/lib/compositing/unrecorded";

export { SpanMap };

/**
 * Manifest events → the recording's timeline in OUTPUT time (ms from the movie's first frame). The app gives the
 * recording's wall-clock range and its capture spans (pauses are the gaps between spans): only media inside spans
 * is kept and the output is the spans laid end to end. Every track is described by pieces "file time
 * [fileFromMs, fileToMs) plays at output time outFromMs", which is all the ffmpeg builder needs.
 */

export type LayoutName = "grid" | "active-speaker" | "screen-share";
export const LAYOUTS: readonly LayoutName[] = ["grid", "active-speaker", "screen-share"];

/** Half-open [fromMs, toMs). */
export interface TimeSpan {
  fromMs: number;
  toMs: number;
}

export interface LayoutChange {
  atMs: number;
  layout: LayoutName;
}

export interface TrackPiece {
  fileFromMs: number;
  fileToMs: number;
  outFromMs: number;
}

export interface TimelineTrack {
  trackId: string;
  kind: "audio" | "video";
  codec: string;
  /** Relative to the recording folder. */
  file: string;
  /** Wall-clock offset of the file's time 0 from the recording's start (sender-clock aligned for audio). */
  offsetMs: number;
  pieces: TrackPiece[];
  /** First known frame size (video-size events), for keeping aspect when scaling. */
  width?: number;
  height?: number;
}

export interface LevelWindow extends TimeSpan {
  dBov: number;
  voice: number;
}

export interface TimelineSession {
  sessionId: string;
  participantId: string;
  name: string;
  source: SessionSource;
  /** A participant without consent to record (unrecorded.ts): present, no tracks, drawn as a "not recorded" name tile. */
  unrecorded?: true;
  /** Output time while the session was present. */
  presence: TimeSpan[];
  video: TimelineTrack[];
  audio: TimelineTrack[];
  videoMuted: TimeSpan[];
  audioMuted: TimeSpan[];
  levels: LevelWindow[];
}

export interface Timeline {
  durationMs: number;
  /** Wall-clock spans that were kept, clipped to the range, in order. */
  spans: TimeSpan[];
  sessions: TimelineSession[];
  initialLayout: LayoutName;
  /** In output time, strictly after 0, in order. */
  layoutChanges: LayoutChange[];
}

export interface TimelineInput {
  events: ManifestEvent[];
  /** Wall clock (Unix ms) of the recording's start and stop. */
  range: TimeSpan;
  /** Capture spans in wall clock; default: the whole range. */
  spans?: TimeSpan[];
  /** Layout chosen while recording, wall clock. */
  layoutChanges?: LayoutChange[];
  defaultLayout?: LayoutName;
}

// Sender clocks that disagree with arrival by more than this are not trusted for lip sync.
const MAX_SYNC_CORRECTION_MS = 5_000;

export function buildTimeline(input: TimelineInput): Timeline {
  const map = new SpanMap(input.range, input.spans);
  const recStart = input.range.fromMs;
  const sessions = new Map<string, SessionDraft>();
  for (const e of input.events) {
    if (e.type === "session-start") {
      if (!sessions.has(e.sessionId)) sessions.set(e.sessionId, newDraft(e));
      continue;
    }
    if (e.type === "consent") continue; // whose media is not recorded: see unrecordedSessions below
    const s = sessions.get(e.sessionId);
    if (!s) continue; // an event of a session whose start line was lost: nothing to place it with
    switch (e.type) {
      case "track-start":
        s.tracks.set(e.trackId, { trackId: e.trackId, kind: e.kind, codec: e.codec, file: e.file, zeroMs: e.mediaZeroMs });
        break;
      case "track-sync":
        s.syncs.set(e.trackId, e.mediaZeroNtpMs);
        if (e.alignedZeroMs !== undefined) s.aligned.set(e.trackId, e.alignedZeroMs);
        break;
      case "video-size": {
        const t = s.tracks.get(e.trackId);
        if (t && t.width === undefined) Object.assign(t, { width: e.width, height: e.height });
        break;
      }
      case "track-end": {
        const t = s.tracks.get(e.trackId);
        if (t) t.durationMs = e.durationMs;
        break;
      }
      case "mute":
      case "unmute":
        s.mutes.push({ trackId: e.trackId, kind: e.kind, atMs: e.atMs, muted: e.type === "mute" });
        break;
      case "audio-level":
        s.levels.push({ trackId: e.trackId, fromMs: e.fromMs, toMs: e.toMs, dBov: e.dBov, voice: e.voice });
        break;
      case "session-end":
        s.endMs ??= e.atMs;
        break;
    }
  }
  const out: TimelineSession[] = [];
  for (const s of sessions.values()) {
    const endMs = s.endMs ?? input.range.toMs;
    alignAudioToVideo(s);
    const tracks = [...s.tracks.values()].map((t) => {
      const fileEnd = t.durationMs ?? endMs - t.zeroMs;
      const pieces = map.pieces(t.zeroMs, t.zeroMs + fileEnd).map((p) => ({
        fileFromMs: p.wallFromMs - t.zeroMs,
        fileToMs: p.wallFromMs - t.zeroMs + p.lengthMs,
        outFromMs: p.outFromMs,
      }));
      const track: TimelineTrack = {
        trackId: t.trackId,
        kind: t.kind,
        codec: t.codec,
        file: t.file,
        offsetMs: t.zeroMs - recStart,
        pieces,
      };
      if (t.width !== undefined) Object.assign(track, { width: t.width, height: t.height });
      return track;
    });
    out.push({
      sessionId: s.sessionId,
      participantId: s.participantId,
      name: s.name,
      source: s.source,
      presence: map.mapInterval(s.startMs, endMs),
      video: tracks.filter((t) => t.kind === "video" && t.pieces.length > 0),
      audio: tracks.filter((t) => t.kind === "audio" && t.pieces.length > 0),
      videoMuted: muteSpans(s, "video", endMs, map),
      audioMuted: muteSpans(s, "audio", endMs, map),
      levels: s.levels.flatMap((l) => {
        // Level windows are in the track's media time (ms from its file's time 0): placed like the track itself.
        const zeroMs = s.tracks.get(l.trackId)?.zeroMs;
        if (zeroMs === undefined) return [];
        return map.mapInterval(zeroMs + l.fromMs, zeroMs + l.toMs).map((o) => ({ ...o, dBov: l.dBov, voice: l.voice }));
      }),
    });
  }
  const wall = [...sessions.values()].map((s) => ({ ...s, endMs: s.endMs ?? input.range.toMs }));
  out.push(...unrecordedSessions(input.events, wall, input.range.toMs, map));
  return {
    durationMs: map.durationMs,
    spans: map.spans.map(({ fromMs, toMs }) => ({ fromMs, toMs })),
    sessions: out,
    ...layouts(input, map),
  };
}

interface TrackDraft {
  trackId: string;
  kind: "audio" | "video";
  codec: string;
  file: string;
  zeroMs: number;
  durationMs?: number;
  width?: number;
  height?: number;
}

interface SessionDraft {
  sessionId: string;
  participantId: string;
  name: string;
  source: SessionSource;
  startMs: number;
  endMs?: number;
  tracks: Map<string, TrackDraft>;
  syncs: Map<string, number>;
  /** Sender clock + least transit: when file time 0 was captured, in the recorder's clock. */
  aligned: Map<string, number>;
  mutes: { trackId: string; kind: "audio" | "video"; atMs: number; muted: boolean }[];
  levels: (LevelWindow & { trackId: string })[];
}

function newDraft(e: Extract<ManifestEvent, { type: "session-start" }>): SessionDraft {
  return {
    sessionId: e.sessionId,
    participantId: e.participantId,
    name: e.displayName,
    source: e.source,
    startMs: e.atMs,
    tracks: new Map(),
    syncs: new Map(),
    aligned: new Map(),
    mutes: [],
    levels: [],
  };
}

/**
 * Arrival times of the first audio and video packets differ by network and jitter-buffer delays; the sender's clock
 * says when both were captured. Moving audio's zero to video's zero plus the sender-clock difference is lip sync.
 */
function alignAudioToVideo(s: SessionDraft) {
  const tracks = [...s.tracks.values()];
  // First-packet arrival is late by encoder, pacer and event-loop delays; the aligned estimate is not.
  for (const t of tracks) {
    const aligned = s.aligned.get(t.trackId);
    if (aligned !== undefined && Math.abs(aligned - t.zeroMs) <= MAX_SYNC_CORRECTION_MS) t.zeroMs = aligned;
  }
  const video = tracks.find((t) => t.kind === "video" && s.syncs.has(t.trackId));
  if (!video) return;
  for (const audio of tracks.filter((t) => t.kind === "audio" && s.syncs.has(t.trackId))) {
    const aligned = video.zeroMs + (s.syncs.get(audio.trackId)! - s.syncs.get(video.trackId)!);
    if (Math.abs(aligned - audio.zeroMs) <= MAX_SYNC_CORRECTION_MS) audio.zeroMs = aligned;
  }
}

function muteSpans(s: SessionDraft, kind: "audio" | "video", endMs: number, map: SpanMap): TimeSpan[] {
  const open = new Map<string, number>();
  const wall: TimeSpan[] = [];
  for (const m of s.mutes.filter((x) => x.kind === kind).sort((a, b) => a.atMs - b.atMs)) {
    if (m.muted && !open.has(m.trackId)) open.set(m.trackId, m.atMs);
    else if (!m.muted && open.has(m.trackId)) {
      wall.push({ fromMs: open.get(m.trackId)!, toMs: m.atMs });
      open.delete(m.trackId);
    }
  }
  for (const from of open.values()) wall.push({ fromMs: from, toMs: endMs });
  return wall.flatMap((w) => map.mapInterval(w.fromMs, w.toMs));
}

function layouts(input: TimelineInput, map: SpanMap): { initialLayout: LayoutName; layoutChanges: LayoutChange[] } {
  let initialLayout = input.defaultLayout ?? "grid";
  const layoutChanges: LayoutChange[] = [];
  for (const c of [...(input.layoutChanges ?? [])].sort((a, b) => a.atMs - b.atMs)) {
    const at = map.mapInstant(c.atMs);
    if (at === undefined) continue;
    if (at <= 0) initialLayout = c.layout;
    else if (layoutChanges.at(-1)?.atMs === at) layoutChanges[layoutChanges.length - 1] = { atMs: at, layout: c.layout };
    else layoutChanges.push({ atMs: at, layout: c.layout });
  }
  return { initialLayout, layoutChanges };
}
