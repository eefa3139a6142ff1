// Recording control of a meeting point: who may start, pause, resume and stop, and in which state.
// Pure rules; the recorder (media) and the stores act on the transitions decided here.
import type { MeetingPoint } from "@/lib/domain/meeting-point";
import { conflict, forbidden } from "@/lib/domain/result";

export type RecordingStatus =
  | "armed"
  | "recording"
  | "paused"
  | "stopped"
  | "interrupted"
  // After capture: composited into one movie in a background job, then stored.
  | "processing"
  | "ready"
  | "failed"
  // Its objects are gone: past retention, or deleted by an agent.
  | "expired"
  | "deleted";

export type Layout = "grid" | "active-speaker" | "screen-share";
export const LAYOUTS: readonly Layout[] = ["grid", "active-speaker", "screen-share"];


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

export const ACTIVE_STATUSES: RecordingStatus[] = ["armed", "recording", "paused"];

export function isActive(recording: Recording): boolean {
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
  if (existing.some(isActive)) throw conflict("a recording of this meeting point is already running");
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
  switch (command.type) {
    case "start":
      throw conflict("a recording of this meeting point is already running");
    case "callStarted":
      if (recording.status !== "armed") return recording;
      return { ...next, status: "recording", startedAt: now, spans: [{ from: now, to: null }] };
    case "pause":
      if (recording.status !== "recording") throw conflict(`cannot pause a recording that is ${recording.status}`);
      closeSpan();
      return { ...next, status: "paused" };
    case "resume":
      if (recording.status !== "paused") throw conflict(`cannot resume a recording that is ${recording.status}`);
      next.spans.push({ from: now, to: null });
      return { ...next, status: "recording" };
    case "stop":
      if (!isActive(recording)) throw conflict(`the recording is already ${recording.status}`);
      closeSpan();
      return { ...next, status: "stopped", stoppedAt: now };
    case "interrupt":
      if (actorId !== "system") throw forbidden("only the server marks a recording interrupted");
      if (!isActive(recording)) return recording;
      closeSpan();
      return { ...next, status: "interrupted", stoppedAt: now };
  }
}

/** Milliseconds of media actually captured (pauses excluded). */
export function capturedMs(recording: Recording, now: Date): number {
  return recording.spans.reduce((total, s) => total + ((s.to ?? now).getTime() - s.from.getTime()), 0);
}
