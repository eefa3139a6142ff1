import { activeSpeakers, type SpeakerOptions } from "@/lib/compositing/active-speaker";
import type { LayoutName, Timeline, TimelineSession, TimeSpan } from "@/lib/compositing/timeline";

/**
 * The layout engine: timeline → ordered, non-overlapping segments covering [0, durationMs), each with the tiles to
 * draw. A new segment starts whenever anything visible changes (someone joins or leaves, video starts, stops or is
 * muted, the chosen layout or the active speaker changes, a screen share starts or stops); neighbours that would
 * look the same are merged. Tiles are rectangles in output pixels with even values (yuv420p); video keeps its aspect
 * inside its tile (the ffmpeg builder letterboxes); a tile with hasVideo=false is drawn as a name tile. Someone not
 * recorded (no consent) has a tile of their own like anyone, placed with the people, never the active speaker.
 */

export interface Tile {
  participantId: string;
  sessionId: string;
  name: string;
  source: "camera" | "screen";
  x: number;
  y: number;
  w: number;
  h: number;
  hasVideo: boolean;
  /** Drawn as a name tile marked "not recorded" (no consent; see unrecorded.ts). */
  unrecorded?: true;
}

export interface Segment extends TimeSpan {
  /** The layout actually drawn (screen-share while a share is present, whatever was chosen). */
  layout: LayoutName;
  tiles: Tile[];
}

export interface LayoutOptions extends SpeakerOptions {
  width?: number;
  height?: number;
}

export const DEFAULT_OUTPUT = { width: 1280, height: 720 } as const;

const even = (n: number) => 2 * Math.floor(n / 2);
const covers = (spans: TimeSpan[], t: number) => spans.some((s) => t >= s.fromMs && t < s.toMs);

export function layoutSegments(timeline: Timeline, opts: LayoutOptions = {}): Segment[] {
  const W = even(opts.width ?? DEFAULT_OUTPUT.width);
  const H = even(opts.height ?? DEFAULT_OUTPUT.height);
  const speakers = activeSpeakers(timeline, opts);
  const order = new Map(
    [...timeline.sessions]
      .sort((a, b) => (a.presence[0]?.fromMs ?? Infinity) - (b.presence[0]?.fromMs ?? Infinity))
      .map((s, i) => [s.sessionId, i]),
  );
  const cuts = new Set<number>([0, timeline.durationMs]);
  for (const s of timeline.sessions) {
    for (const span of [...s.presence, ...s.videoMuted]) cuts.add(span.fromMs).add(span.toMs);
    for (const t of s.video) for (const p of t.pieces) cuts.add(p.outFromMs).add(p.outFromMs + p.fileToMs - p.fileFromMs);
  }
  for (const c of timeline.layoutChanges) cuts.add(c.atMs);
  for (const c of speakers) cuts.add(c.atMs);
  const times = [...cuts].filter((t) => t >= 0 && t <= timeline.durationMs).sort((a, b) => a - b);

  const segments: Segment[] = [];
  let speaker: string | null = null;
  let nextSpeaker = 0;
  for (let i = 0; i + 1 < times.length; i++) {
    const [fromMs, toMs] = [times[i], times[i + 1]];
    const present = timeline.sessions
      .filter((s) => covers(s.presence, fromMs))
      .sort((a, b) => order.get(a.sessionId)! - order.get(b.sessionId)!);
    const screens = present.filter((s) => s.source === "screen");
    const people = onePerParticipant(present.filter((s) => s.source !== "screen"));
    const chosen = layoutAt(timeline, fromMs);
    const layout: LayoutName = screens.length > 0 ? "screen-share" : chosen === "screen-share" ? "grid" : chosen;
    while (nextSpeaker < speakers.length && speakers[nextSpeaker].atMs <= fromMs) speaker = speakers[nextSpeaker++].participantId;
    const rects =
      layout === "screen-share"
        ? screenShare(screens, people, W, H)
        : layout === "active-speaker"
          ? activeSpeaker(people, speaker, W, H)
          : grid(people, W, H);
    const tiles = rects.map(({ session: s, rect }) => ({
      participantId: s.participantId,
      sessionId: s.sessionId,
      name: s.name,
      source: s.source === "screen" ? ("screen" as const) : ("camera" as const),
      ...rect,
      hasVideo: hasVideoAt(s, fromMs),
      ...(s.unrecorded ? { unrecorded: true as const } : {}),
    }));
    const last = segments.at(-1);
    if (last && last.toMs === fromMs && last.layout === layout && JSON.stringify(last.tiles) === JSON.stringify(tiles)) {
      last.toMs = toMs;
    } else segments.push({ fromMs, toMs, layout, tiles });
  }
  return segments;
}

export function hasVideoAt(s: TimelineSession, t: number): boolean {
  if (covers(s.videoMuted, t)) return false;
  return s.video.some((v) => v.pieces.some((p) => t >= p.outFromMs && t < p.outFromMs + p.fileToMs - p.fileFromMs));
}

function layoutAt(timeline: Timeline, t: number): LayoutName {
  return [...timeline.layoutChanges].reverse().find((c) => c.atMs <= t)?.layout ?? timeline.initialLayout;
}

/** A participant who rejoined before the old session was closed shows once, with the newest session. */
function onePerParticipant(sessions: TimelineSession[]): TimelineSession[] {
  const latest = new Map<string, TimelineSession>();
  for (const s of sessions) {
    const prev = latest.get(s.participantId);
    if (!prev || (s.presence[0]?.fromMs ?? 0) >= (prev.presence[0]?.fromMs ?? 0)) latest.set(s.participantId, s);
  }
  return sessions.filter((s) => latest.get(s.participantId) === s);
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
type Placed = { session: TimelineSession; rect: Rect };

/** "Brady Bunch": near-square grid of equal cells, the last row centred, the whole grid centred. */
export function gridRects(n: number, area: Rect): Rect[] {
  if (n === 0) return [];
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = even(area.w / cols);
  const h = even(area.h / rows);
  const top = area.y + even((area.h - rows * h) / 2);
  return Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const left = area.x + even((area.w - inRow * w) / 2);
    return { x: left + (i % cols) * w, y: top + row * h, w, h };
  });
}

/** A row (horizontal) or column of equal tiles of at most maxW×maxH, centred in the area. */
function strip(n: number, area: Rect, maxW: number, maxH: number, horizontal: boolean): Rect[] {
  if (n === 0) return [];
  const w = even(horizontal ? Math.min(area.w / n, maxW) : Math.min(area.w, maxW));
  const h = even(horizontal ? Math.min(area.h, maxH) : Math.min(area.h / n, maxH));
  const x0 = area.x + even((area.w - (horizontal ? n * w : w)) / 2);
  const y0 = area.y + even((area.h - (horizontal ? h : n * h)) / 2);
  return Array.from({ length: n }, (_, i) => ({ x: horizontal ? x0 + i * w : x0, y: horizontal ? y0 : y0 + i * h, w, h }));
}

function grid(people: TimelineSession[], W: number, H: number): Placed[] {
  return gridRects(people.length, { x: 0, y: 0, w: W, h: H }).map((rect, i) => ({ session: people[i], rect }));
}

function activeSpeaker(people: TimelineSession[], speakerId: string | null, W: number, H: number): Placed[] {
  if (people.length === 0) return [];
  // Nobody speaking yet: the first recorded person is main (someone not recorded is never the speaker).
  const main = people.find((p) => p.participantId === speakerId && !p.unrecorded) ?? people.find((p) => !p.unrecorded) ?? people[0];
  const others = people.filter((p) => p !== main);
  if (others.length === 0) return [{ session: main, rect: { x: 0, y: 0, w: W, h: H } }];
  const stripH = even(H / 5);
  const rects = strip(others.length, { x: 0, y: H - stripH, w: W, h: stripH }, even((stripH * 16) / 9), stripH, true);
  return [{ session: main, rect: { x: 0, y: 0, w: W, h: H - stripH } }, ...others.map((session, i) => ({ session, rect: rects[i] }))];
}

function screenShare(screens: TimelineSession[], people: TimelineSession[], W: number, H: number): Placed[] {
  // The newest share is the big one; older shares join the people at the side.
  const main = screens.at(-1)!;
  const side = [...people, ...screens.slice(0, -1)];
  if (side.length === 0) return [{ session: main, rect: { x: 0, y: 0, w: W, h: H } }];
  const sideW = even(W / 4);
  const rects = strip(side.length, { x: W - sideW, y: 0, w: sideW, h: H }, sideW, even((sideW * 3) / 4), false);
  return [{ session: main, rect: { x: 0, y: 0, w: W - sideW, h: H } }, ...side.map((session, i) => ({ session, rect: rects[i] }))];
}
