import type { LevelWindow, Timeline, TimeSpan } from "@/lib/compositing/timeline";

/**
 * Who is the active speaker, from the recorder's audio-level windows, with hysteresis: someone else must be the
 * loudest for holdMs without a break before the view switches; a tie keeps the current speaker; silence (below
 * the threshold) keeps the current speaker. When the speaker leaves, the loudest (or first) present person takes
 * over at once.
 */

export interface SpeakerOptions {
  /** How long a new voice must be the loudest before switching; default 1500 ms. */
  speakerHoldMs?: number;
  /** Below this level nobody counts as speaking; default -50 dBov. */
  speakingThresholdDbov?: number;
}

export interface SpeakerChange {
  atMs: number;
  participantId: string | null;
}

const SILENT = -127;

export function activeSpeakers(timeline: Timeline, opts: SpeakerOptions = {}): SpeakerChange[] {
  const hold = opts.speakerHoldMs ?? 1500;
  const threshold = opts.speakingThresholdDbov ?? -50;
  // Someone not recorded has no audio and never becomes the speaker.
  const people = timeline.sessions.filter((s) => s.source !== "screen" && !s.unrecorded);
  const participants = [...new Set(people.sort((a, b) => firstAt(a.presence) - firstAt(b.presence)).map((s) => s.participantId))];
  const cuts = new Set<number>([0, timeline.durationMs]);
  for (const s of people) {
    for (const span of [...s.presence, ...s.audioMuted, ...s.levels]) cuts.add(span.fromMs).add(span.toMs);
  }
  const times = [...cuts].filter((t) => t >= 0 && t <= timeline.durationMs).sort((a, b) => a - b);

  // Level windows sorted per session, looked up by binary search: an hour holds 14,400 windows per person.
  const sorted = new Map(people.map((s) => [s, [...s.levels].sort((x, y) => x.fromMs - y.fromMs)]));
  const changes: SpeakerChange[] = [];
  // One object, so the closure's writes are visible to the loop (and to TypeScript's narrowing).
  const st: { current: string | null; candidate: { id: string; since: number } | null } = { current: null, candidate: null };
  const set = (atMs: number, id: string | null) => {
    st.candidate = null;
    if (id === st.current && changes.length > 0) return;
    st.current = id;
    if (changes.at(-1)?.atMs === atMs) changes[changes.length - 1].participantId = id;
    else changes.push({ atMs, participantId: id });
  };

  for (let i = 0; i + 1 < times.length; i++) {
    const [a, b] = [times[i], times[i + 1]];
    const present = participants.filter((id) => people.some((s) => s.participantId === id && inside(s.presence, a)));
    const level = (id: string) =>
      Math.max(SILENT, ...people.filter((s) => s.participantId === id && !inside(s.audioMuted, a)).map((s) => levelAt(sorted.get(s)!, a)));
    const levels = present.map((id) => ({ id, dB: level(id) })).filter((x) => x.dB > threshold);
    const top = Math.max(...levels.map((x) => x.dB));
    const current = st.current;
    const loudest = levels.some((x) => x.id === current && x.dB === top) ? current : (levels.find((x) => x.dB === top)?.id ?? null);

    if (current === null || !present.includes(current)) {
      if (current !== null || present.length > 0) set(a, loudest ?? present[0] ?? null);
      continue;
    }
    if (loudest === null || loudest === current) {
      st.candidate = null;
      continue;
    }
    if (st.candidate?.id !== loudest) st.candidate = { id: loudest, since: a };
    const switchAt = st.candidate.since + hold;
    if (switchAt < b) set(Math.max(a, switchAt), loudest);
  }
  return changes;
}

/** dBov of the window covering t (windows of one track do not overlap), or silence. */
function levelAt(levels: LevelWindow[], t: number): number {
  let lo = 0;
  let hi = levels.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (levels[mid].fromMs <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && levels[found].toMs > t ? levels[found].dBov : SILENT;
}

function firstAt(spans: TimeSpan[]) {
  return spans[0]?.fromMs ?? Infinity;
}

function inside(spans: TimeSpan[], t: number) {
  return spans.some((s) => t >= s.fromMs && t < s.toMs);
}
