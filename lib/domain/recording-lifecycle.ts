// Every status a recording can be in and every event that may move it, as one pure decision. The stores write
// only what this allows, and they write it conditionally on the status it was decided from: whoever loses a race
// decides again against the status that won (a delete during compositing, a stop racing callStarted, a keep
// racing the retention sweep).
import { conflict, type DomainError } from "@/lib/domain/result";

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
  // Its objects are gone (or being deleted): past retention, or deleted by an agent.
  | "expired"
  | "deleted";

export const RECORDING_STATUSES: readonly RecordingStatus[] = [
  "armed",
  "recording",
  "paused",
  "stopped",
  "interrupted",
  "processing",
  "ready",
  "failed",
  "expired",
  "deleted",
];

export type LifecycleEvent =
  /** Another recording of the same meeting point is started (it never moves this one). */
  | "start"
  | "callStarted"
  | "pause"
  | "resume"
  | "stop"
  /** The process capturing it died. */
  | "interrupt"
  /** A compositing job claims it; from `failed` this is the retry, from `processing` a rerun after a crash. */
  | "composeStarted"
  /** The movie is uploaded and confirmed. */
  | "composed"
  | "composeFailed"
  /** A movie made again (a layout chosen after the fact) could not be: the one made before stays, ready. */
  | "recomposeFailed"
  /** The retention sweep claims it (before deleting its objects). */
  | "expire"
  | "delete"
  | "keep"
  | "layout";

export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = [
  "start",
  "callStarted",
  "pause",
  "resume",
  "stop",
  "interrupt",
  "composeStarted",
  "composed",
  "composeFailed",
  "recomposeFailed",
  "expire",
  "delete",
  "keep",
  "layout",
];

export type LifecycleOutcome =
  /** The event applies; `to` may equal the status it came from (keep, layout). */
  | { kind: "allowed"; to: RecordingStatus }
  /** Nothing to do: the event already happened or does not concern this status. */
  | { kind: "noop" }
  | { kind: "refused"; error: DomainError };

export const CAPTURING_STATUSES: readonly RecordingStatus[] = ["armed", "recording", "paused"];
/** A compositing job may claim these (failed: a retry; processing: a rerun after a crash). */
const COMPOSABLE: readonly RecordingStatus[] = ["stopped", "interrupted", "failed", "processing"];
const GONE: readonly RecordingStatus[] = ["expired", "deleted"];

const allowed = (to: RecordingStatus): LifecycleOutcome => ({ kind: "allowed", to });
const NOOP: LifecycleOutcome = { kind: "noop" };
const refused = (message: string): LifecycleOutcome => ({ kind: "refused", error: conflict(message) });

export const isCapturing = (status: RecordingStatus) => CAPTURING_STATUSES.includes(status);

/** What `event` does to a recording that is `status`. */
export function transition(status: RecordingStatus, event: LifecycleEvent): LifecycleOutcome {
  const capturing = isCapturing(status);
  switch (event) {
    case "start":
      return capturing ? refused("a recording of this meeting point is already running") : NOOP;
    case "callStarted":
      return status === "armed" ? allowed("recording") : NOOP;
    case "pause":
      return status === "recording" ? allowed("paused") : refused(`cannot pause a recording that is ${status}`);
    case "resume":
      return status === "paused" ? allowed("recording") : refused(`cannot resume a recording that is ${status}`);
    case "stop":
      return capturing ? allowed("stopped") : refused(`the recording is already ${status}`);
    case "interrupt":
      return capturing ? allowed("interrupted") : NOOP;
    case "composeStarted":
      if (COMPOSABLE.includes(status)) return allowed("processing");
      if (status === "ready") return NOOP;
      return refused(capturing ? "the recording is still being captured" : `the recording is ${status}`);
    case "composed":
      if (status === "processing") return allowed("ready");
      return status === "ready" ? NOOP : refused(`the recording is ${status}, not being composited`);
    case "composeFailed":
      if (status === "processing" || status === "stopped" || status === "interrupted") return allowed("failed");
      return status === "failed" ? NOOP : refused(`the recording is ${status}, not being composited`);
    case "recomposeFailed":
      if (status === "processing" || status === "stopped") return allowed("ready");
      return status === "ready" ? NOOP : refused(`the recording is ${status}, not being composited again`);
    case "expire":
      if (status === "ready") return allowed("expired");
      return status === "expired" ? NOOP : refused(`only a ready recording expires; this one is ${status}`);
    case "delete":
      if (capturing) return refused("stop the recording before deleting it");
      return status === "deleted" ? NOOP : allowed("deleted");
    case "keep":
      return GONE.includes(status) ? refused(`the recording is ${status}; nothing is left to keep`) : allowed(status);
    case "layout":
      if (status === "processing" || GONE.includes(status)) return refused(`the layout of a ${status} recording cannot change`);
      // A movie made (or given up on) with the old layout is made again with the new one.
      return status === "ready" || status === "failed" ? allowed("stopped") : allowed(status);
  }
}

/** Throws the refusal; tells whether the event moves the recording. */
export function decide(status: RecordingStatus, event: LifecycleEvent): RecordingStatus | null {
  const outcome = transition(status, event);
  if (outcome.kind === "refused") throw outcome.error;
  return outcome.kind === "allowed" ? outcome.to : null;
}

/** The statuses from which `event` is allowed (the `where` of a conditional write). */
export function statusesAllowing(event: LifecycleEvent): RecordingStatus[] {
  return RECORDING_STATUSES.filter((s) => transition(s, event).kind === "allowed");
}

export type Layout = "grid" | "active-speaker" | "screen-share";
export const LAYOUTS: readonly Layout[] = ["grid", "active-speaker", "screen-share"];
export type LayoutChange = { atMs: number; layout: Layout };

/**
 * A layout chosen for a recording: before the first capture it is the starting layout; while capturing it
 * applies from now on; after capture it replaces the starting layout and every change (the next composite).
 */
export function chooseLayout(
  status: RecordingStatus,
  layout: Layout,
  changes: LayoutChange[],
  nowMs: number,
): { layout?: Layout; layoutChanges?: LayoutChange[] } {
  decide(status, "layout");
  if (status === "armed") return { layout };
  if (isCapturing(status)) return { layoutChanges: [...changes, { atMs: nowMs, layout }] };
  return { layout, layoutChanges: [] };
}

/** Due for the retention sweep: ready, not kept, past its expiry. */
export function isDueForExpiry(r: { status: RecordingStatus; keep: boolean; expiresAt: Date | null }, now: Date): boolean {
  return r.status === "ready" && !r.keep && r.expiresAt !== null && r.expiresAt.getTime() < now.getTime();
}
