import type { ManifestEvent } from "@/lib/compositing/manifest";
import type { SpanMap } from "@/lib/compositing/span-map";
import type { TimelineSession, TimeSpan } from "@/lib/compositing/timeline";

/**
 * Participants who declined or withdrew recording consent (manifest `consent` lines). Nothing of theirs reaches the
 * recorder from the decision until a later `given`, but the call goes on with them in it: the movie shows them as a
 * name tile marked "not recorded". Each such stretch becomes a timeline entry without tracks, `unrecorded: true`,
 * present over the stretch in output time (mapped through the same spans as everything else, pauses removed).
 */

type ConsentEvent = Extract<ManifestEvent, { type: "consent" }>;

/** A recorded session's wall-clock extent, for the overlap rule below. */
export interface WallSession {
  participantId: string;
  source: string;
  startMs: number;
  endMs: number;
}

export function unrecordedSessions(events: ManifestEvent[], recorded: WallSession[], rangeEndMs: number, map: SpanMap): TimelineSession[] {
  const byParticipant = new Map<string, ConsentEvent[]>();
  for (const e of events) {
    if (e.type !== "consent") continue;
    const list = byParticipant.get(e.participantId) ?? [];
    list.push(e);
    byParticipant.set(e.participantId, list);
  }
  const out: TimelineSession[] = [];
  for (const [participantId, lines] of byParticipant) {
    // Stable: lines with the same time keep the manifest's order (the order the app recorded them in).
    const sorted = [...lines].sort((a, b) => a.atMs - b.atMs);
    const stretches: { name: string; wall: TimeSpan }[] = [];
    let open: { name: string; fromMs: number } | null = null;
    for (const line of sorted) {
      if (line.decision === "given") {
        if (open) stretches.push({ name: open.name, wall: { fromMs: open.fromMs, toMs: line.atMs } });
        open = null;
      } else open ??= { name: line.displayName, fromMs: line.atMs }; // a second refusal does not restart the stretch
    }
    if (open) stretches.push({ name: open.name, wall: { fromMs: open.fromMs, toMs: rangeEndMs } });
    for (const [i, { name, wall }] of stretches.entries()) {
      // The recorder ends their sessions at the decision, a few hundred ms late at worst: their camera tile stays
      // until it has gone, so the two never show at once.
      const fromMs = Math.max(wall.fromMs, ...endsAround(recorded, participantId, wall.fromMs));
      const presence = map.mapInterval(fromMs, wall.toMs);
      if (presence.length === 0) continue;
      out.push({
        sessionId: `unrecorded:${participantId}:${i}`,
        participantId,
        name,
        source: "camera",
        unrecorded: true,
        presence,
        video: [],
        audio: [],
        videoMuted: [],
        audioMuted: [],
        levels: [],
      });
    }
  }
  return out;
}

/** Ends of the participant's people (non-screen) sessions that were running at the wall instant atMs. */
function endsAround(recorded: WallSession[], participantId: string, atMs: number): number[] {
  return recorded
    .filter((s) => s.participantId === participantId && s.source !== "screen" && s.startMs <= atMs && s.endMs > atMs)
    .map((s) => s.endMs);
}
