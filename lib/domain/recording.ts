// Recording control of a meeting point: who may start, pause, resume and stop, and in which state.
// Pure rules; the recorder (media) and the stores act on the transitions decided here.
import type { MeetingPoint } from "@/lib/domain/meeting-point";
import { conflict, forbidden } from "@/lib/domain/result";
import {
  CAPTURING_STATUSES,
  decide,
  type LayoutChange,
  LAYOUTS,
  type Layout,
  type RecordingStatus,
} from "@/lib/domain/recording-lifecycle";

export type { Layout, LayoutChange, LifecycleEvent, LifecycleOutcome, RecordingStatus } from "@/lib/domain/recording-lifecycle";
export { LAYOUTS, RECORDING_STATUSES, transition } from "@/lib/domain/recording-lifecycle";

export interface Recording {
  id: string;
  meetingPointId: string;
  status: RecordingStatus;
  startedById: string;
  createdAt: Date;
  /** When media capture first began (null while armed). */
  startedAt: Date | null;
  stoppedAt: Date | null;
  /** Spans of actual capture; pause closes one, resume opens the next. */
  spans: { from: Date; to: Date | null }[];
  /** WHIP base URL of another recorder deployment; null for the co-located recorder. */
  destination: string | null;
}

export type RecordingCommand =
  | { type: "start" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "stop" }
  | { type: "callStarted" }
  /** The process capturing it died; what reached the disk is kept (system only). */
  | { type: "interrupt" };

export const ACTIVE_STATUSES: readonly RecordingStatus[] = CAPTURING_STATUSES;

export function isActive(recording: Pick<Recording, "status">): boolean {
  return ACTIVE_STATUSES.includes(recording.status);
}

/**
 * Starts a recording of a meeting point. Before the call is live it is armed and begins capturing
 * as soon as the call starts; at most one recording of a meeting point is active at a time.
 */
export function startRecording(
  mp: MeetingPoint,
  actorId: string,
  existing: Recording[],
  ctx: { now: Date; newId: () => string; destination?: string | null },
): Recording {
  if (actorId !== mp.hostId) throw forbidden("only the meeting point's host can record");
  if (mp.state === "ended") throw conflict("the meeting point has ended");
  for (const other of existing) decide(other.status, "start");
  const live = mp.state === "live";
  return {
    id: ctx.newId(),
    meetingPointId: mp.id,
    status: live ? "recording" : "armed",
    startedById: actorId,
    createdAt: ctx.now,
    startedAt: live ? ctx.now : null,
    stoppedAt: null,
    spans: live ? [{ from: ctx.now, to: null }] : [],
    destination: ctx.destination ?? null,
  };
}

/** Applies a control command (host only, except callStarted, which the server issues). */
export function controlRecording(
  recording: Recording,
  mp: MeetingPoint,
  actorId: string | "system",
  command: RecordingCommand,
  now: Date,
): Recording {
  if (actorId !== "system" && actorId !== mp.hostId) throw forbidden("only the meeting point's host can control the recording");
  const next = { ...recording, spans: recording.spans.map((s) => ({ ...s })) };
  const closeSpan = () => {
    const open = next.spans.at(-1);
    if (open && open.to === null) open.to = now;
  };
  const to = decide(recording.status, command.type);
  if (command.type === "interrupt" && actorId !== "system") throw forbidden("only the server marks a recording interrupted");
  if (to === null) return recording;
  switch (command.type) {
    case "start":
      return recording; // decide() refuses or leaves it: a start never moves an existing recording
    case "callStarted":
      return { ...next, status: to, startedAt: now, spans: [{ from: now, to: null }] };
    case "pause":
      closeSpan();
      return { ...next, status: to };
    case "resume":
      next.spans.push({ from: now, to: null });
      return { ...next, status: to };
    case "stop":
    case "interrupt":
      closeSpan();
      return { ...next, status: to, stoppedAt: now };
  }
}

/** Milliseconds of media actually captured (pauses excluded). */
export function capturedMs(recording: Recording, now: Date): number {
  return recording.spans.reduce((total, s) => total + ((s.to ?? now).getTime() - s.from.getTime()), 0);
}

/** Spans as stored (JSON): ISO strings. The only place they are encoded or decoded. */
export type SpanJson = { from: string; to: string | null };

export function encodeSpans(spans: Recording["spans"]): SpanJson[] {
  return spans.map((s) => ({ from: s.from.toISOString(), to: s.to ? s.to.toISOString() : null }));
}

export function decodeSpans(json: unknown): Recording["spans"] {
  const raw = Array.isArray(json) ? (json as SpanJson[]) : [];
  return raw.map((s) => ({ from: new Date(s.from), to: s.to ? new Date(s.to) : null }));
}

/** The closed spans in epoch milliseconds, as the compositor cuts them. */
export function capturedSpansMs(spans: Recording["spans"]): { fromMs: number; toMs: number }[] {
  return spans.flatMap((s) => (s.to ? [{ fromMs: s.from.getTime(), toMs: s.to.getTime() }] : []));
}

export function decodeLayoutChanges(json: unknown): LayoutChange[] {
  const raw = Array.isArray(json) ? (json as LayoutChange[]) : [];
  return raw.filter((c) => (LAYOUTS as readonly string[]).includes(c.layout)).map((c) => ({ atMs: c.atMs, layout: c.layout }));
}

export const layoutOf = (stored: string): Layout => ((LAYOUTS as readonly string[]).includes(stored) ? (stored as Layout) : "grid");

/** What a recording is called: its meeting point's title, else the ticket's visitor; null for an untitled call. */
export function recordingTitle(meetingPointTitle: string | null, ticket: { visitorName: string | null } | null): string | null {
  return meetingPointTitle ?? (ticket ? `Ticket with ${ticket.visitorName ?? "a visitor"}` : null);
}
