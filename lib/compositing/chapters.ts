import type { ManifestEvent } from "@/lib/compositing/manifest";
import { SpanMap } from "@/lib/compositing/span-map";
import type { LayoutChange, LayoutName, TimeSpan } from "@/lib/compositing/timeline";

/**
 * The recording's timeline as chapters of the movie: who joined and left, screen shares, consent decisions, pauses
 * and layout changes, each placed in OUTPUT time through the same capture spans the compositor uses (a pause is not
 * in the movie: it is one instant, where the next span starts; an event during a pause lands there too; one after
 * the end is not in the movie at all). Events at the same output millisecond share one chapter, titles joined in the
 * order they happened, so that seeking to a chapter never lands between two cues with the same start.
 */

export interface Chapter {
  startMs: number;
  endMs: number;
  title: string;
}

export interface ChaptersInput {
  events: ManifestEvent[];
  /** Wall clock (Unix ms) of the recording's start and stop. */
  range: TimeSpan;
  /** Capture spans in wall clock; default: the whole range. */
  spans?: TimeSpan[];
  /** Layout chosen while recording (or after), wall clock. */
  layoutChanges?: LayoutChange[];
  defaultLayout?: LayoutName;
  /** The movie's real length (ffprobe), when known: chapters never run past it. Default: the spans' total. */
  durationMs?: number;
}

const LAYOUT_TITLES: Record<LayoutName, string> = {
  grid: "Layout: grid",
  "active-speaker": "Layout: active speaker",
  "screen-share": "Layout: screen share",
};

// Ends that are not somebody leaving: the recording ending, or a consent decision (its own chapter says why).
const NOT_A_LEAVE = new Set(["recording-stopped", "consent-withdrawn"]);

interface WallEvent {
  atMs: number;
  title: string;
}

export function recordingChapters(input: ChaptersInput): Chapter[] {
  const map = new SpanMap(input.range, input.spans);
  const durationMs = Math.min(map.durationMs, input.durationMs ?? Number.POSITIVE_INFINITY);
  if (durationMs <= 0) return [];
  const wall = [...presenceEvents(input.events), ...consentEvents(input.events), ...pauseEvents(map)];
  // Stable: events at the same wall instant keep the manifest's order.
  wall.sort((a, b) => a.atMs - b.atMs);
  const placed: { atMs: number; title: string }[] = [{ atMs: 0, title: "Recording started" }];
  for (const e of wall) {
    const at = map.mapInstant(e.atMs);
    if (at !== undefined) placed.push({ atMs: at, title: e.title });
  }
  placed.push(...layoutEvents(input, map));
  placed.sort((a, b) => a.atMs - b.atMs);
  const chapters: Chapter[] = [];
  for (const p of placed) {
    if (p.atMs >= durationMs) continue;
    const last = chapters.at(-1);
    if (last && last.startMs === p.atMs) {
      if (!last.title.split(" · ").includes(p.title)) last.title += ` · ${p.title}`;
    } else chapters.push({ startMs: p.atMs, endMs: durationMs, title: p.title });
  }
  for (const [i, c] of chapters.entries()) c.endMs = chapters[i + 1]?.startMs ?? durationMs;
  return chapters;
}

/**
 * Joins and leaves per participant (a reconnect's new session may start before the old one has ended: presence
 * counts sessions, so that is no leave), and screen shares per session.
 */
function presenceEvents(events: ManifestEvent[]): WallEvent[] {
  const out: WallEvent[] = [];
  const sessions = new Map<string, { participantId: string; name: string; screen: boolean }>();
  const present = new Map<string, number>();
  for (const e of events) {
    if (e.type === "session-start") {
      if (sessions.has(e.sessionId)) continue;
      const screen = e.source === "screen";
      sessions.set(e.sessionId, { participantId: e.participantId, name: e.displayName, screen });
      if (screen) out.push({ atMs: e.atMs, title: `${e.displayName} started sharing the screen` });
      else {
        const n = present.get(e.participantId) ?? 0;
        present.set(e.participantId, n + 1);
        if (n === 0) out.push({ atMs: e.atMs, title: `${e.displayName} joined` });
      }
    } else if (e.type === "session-end") {
      const s = sessions.get(e.sessionId);
      if (!s) continue;
      sessions.delete(e.sessionId);
      if (s.screen) {
        if (!NOT_A_LEAVE.has(e.reason)) out.push({ atMs: e.atMs, title: `${s.name} stopped sharing the screen` });
        continue;
      }
      const n = (present.get(s.participantId) ?? 1) - 1;
      present.set(s.participantId, n);
      if (n === 0 && !NOT_A_LEAVE.has(e.reason)) out.push({ atMs: e.atMs, title: `${s.name} left` });
    }
  }
  return out;
}

function consentEvents(events: ManifestEvent[]): WallEvent[] {
  const titles = { given: "agreed to be recorded", declined: "declined to be recorded", withdrawn: "withdrew consent" } as const;
  return events.flatMap((e) => (e.type === "consent" ? [{ atMs: e.atMs, title: `${e.displayName} ${titles[e.decision]}` }] : []));
}

/**
 * Pause and resume at their wall instants (a span's end, the next span's start): both map to the next span's start
 * in output time, and whatever happened during the pause sorts between them.
 */
function pauseEvents(map: SpanMap): WallEvent[] {
  return map.spans.slice(1).flatMap((s, i) => [
    { atMs: map.spans[i]!.toMs, title: "Recording paused" },
    { atMs: s.fromMs, title: "Recording resumed" },
  ]);
}

function layoutEvents(input: ChaptersInput, map: SpanMap): { atMs: number; title: string }[] {
  let current = input.defaultLayout ?? "grid";
  const out: { atMs: number; title: string }[] = [];
  for (const c of [...(input.layoutChanges ?? [])].sort((a, b) => a.atMs - b.atMs)) {
    const at = map.mapInstant(c.atMs);
    if (at === undefined || c.layout === current) continue;
    current = c.layout;
    // A layout chosen before the first frame is the movie's layout from the start, not a change.
    if (at > 0) out.push({ atMs: at, title: LAYOUT_TITLES[c.layout] });
  }
  return out;
}
