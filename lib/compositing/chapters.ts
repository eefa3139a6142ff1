import type { ManifestEvent } from "@/lib/compositing/manifest";
import { SpanMap } from "@/lib/compositing/span-map";
import type { LayoutChange, LayoutName, TimeSpan } from "@/lib/compositing/timeline";

/**
 * The recording's timeline as chapters of the movie: who joined and left, screen shares, consent decisions, pauses
 * and layout changes, each placed in OUTPUT time through the same capture spans the compositor uses (a pause is not
 * in the movie: it is one instant, where the next span starts; an event during a pause lands there too; one after
 * the end is not in the movie at all). Events within MERGE_MS of a chapter's start share it, titles joined in the
 * order they happened: one readable entry per moment, and a chapter never starts after any of its events.
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
// How long after a resume the browsers' publishing again still counts as having stayed (measured: about 1 s).
const REJOIN_GRACE_MS = 10_000;
// Events this close after a chapter's start join it: people present at the start are one chapter, not one each.
const MERGE_MS = 500;

interface WallEvent {
  atMs: number;
  title: string;
}

export function recordingChapters(input: ChaptersInput): Chapter[] {
  const map = new SpanMap(input.range, input.spans);
  const durationMs = Math.min(map.durationMs, input.durationMs ?? Number.POSITIVE_INFINITY);
  if (durationMs <= 0) return [];
  const wall = [...presenceEvents(input.events, map), ...consentEvents(input.events), ...pauseEvents(map)];
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
    if (last && p.atMs - last.startMs <= MERGE_MS) {
      if (!last.title.split(" · ").includes(p.title)) last.title += ` · ${p.title}`;
    } else chapters.push({ startMs: p.atMs, endMs: durationMs, title: p.title });
  }
  for (const [i, c] of chapters.entries()) c.endMs = chapters[i + 1]?.startMs ?? durationMs;
  return chapters;
}

/**
 * Joins and leaves per participant, screen shares started and stopped per participant. Presence counts sessions:
 * a reconnect whose new session starts before the old one has ended is no leave. A pause ends every session
 * (`recording-paused`, or `recording-stopped` from the co-located recorder) and browsers publish again after the resume: someone whose sessions a pause ended and who
 * is back within REJOIN_GRACE_MS of the resume never left; someone who is not left at the resume.
 */
function presenceEvents(events: ManifestEvent[], map: SpanMap): WallEvent[] {
  const out: WallEvent[] = [];
  const sessions = new Map<string, { key: string; name: string; screen: boolean }>();
  const count = new Map<string, number>();
  const awayForPause = new Map<string, { name: string; screen: boolean; resumeMs: number }>();
  const joined = (name: string, screen: boolean) => (screen ? `${name} started sharing the screen` : `${name} joined`);
  const left = (name: string, screen: boolean) => (screen ? `${name} stopped sharing the screen` : `${name} left`);
  for (const e of events) {
    if (e.type === "session-start") {
      if (sessions.has(e.sessionId)) continue;
      const screen = e.source === "screen";
      const key = `${e.participantId}${screen ? "#screen" : ""}`;
      sessions.set(e.sessionId, { key, name: e.displayName, screen });
      const n = count.get(key) ?? 0;
      count.set(key, n + 1);
      if (n > 0) continue;
      const away = awayForPause.get(key);
      awayForPause.delete(key);
      if (away && e.atMs <= away.resumeMs + REJOIN_GRACE_MS) continue;
      if (away) out.push({ atMs: away.resumeMs, title: left(away.name, screen) });
      out.push({ atMs: e.atMs, title: joined(e.displayName, screen) });
    } else if (e.type === "session-end") {
      const s = sessions.get(e.sessionId);
      if (!s) continue;
      sessions.delete(e.sessionId);
      const n = (count.get(s.key) ?? 1) - 1;
      count.set(s.key, n);
      if (n > 0 || e.reason === "consent-withdrawn") continue;
      const resumeMs = resumeAfter(map, e.atMs);
      // The co-located recorder ends sessions at a pause as at a stop ("recording-stopped"); a resume follows a pause.
      const byPause = e.reason === "recording-paused" || e.reason === "recording-stopped" || !inSpan(map, e.atMs);
      if (resumeMs !== undefined && byPause) awayForPause.set(s.key, { name: s.name, screen: s.screen, resumeMs });
      else if (!NOT_A_LEAVE.has(e.reason)) out.push({ atMs: e.atMs, title: left(s.name, s.screen) });
    }
  }
  for (const away of awayForPause.values()) out.push({ atMs: away.resumeMs, title: left(away.name, away.screen) });
  return out;
}

const inSpan = (map: SpanMap, atMs: number) => map.spans.some((s) => atMs >= s.fromMs && atMs < s.toMs);

/** The wall time of the first span that starts at or after `atMs`, other than the first span (a resume). */
function resumeAfter(map: SpanMap, atMs: number): number | undefined {
  return map.spans.slice(1).find((s) => s.fromMs >= atMs)?.fromMs;
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
