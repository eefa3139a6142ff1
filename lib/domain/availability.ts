// Agent availability and the wait a visitor can expect. Only Available agents take tickets or receive transfers.
import { conflict } from "@/lib/domain/result";

export const AVAILABILITIES = ["available", "away"] as const;
export type Availability = (typeof AVAILABILITIES)[number];

export function assertAvailable(availability: Availability): void {
  if (availability !== "available") throw conflict("you are Away: set yourself Available to take tickets");
}

/** Used while no ticket was handled recently: a typical short consultation. */
export const DEFAULT_HANDLING_MS = 5 * 60_000;
/** Handling times from tickets closed within this window make the estimate. */
export const HANDLING_WINDOW_MS = 24 * 3600_000;

export interface DeskCapacity {
  /** Available agents (online) who could serve the ticket. */
  available: number;
  /** Of those, the ones with no ticket in hand. */
  free: number;
  /** Median handling time (taken → closed) of recent tickets; null when there were none. */
  handlingMs: number | null;
}

/**
 * Expected wait for the visitor at `position` (1 = next). The first `free` visitors are taken as soon as an
 * agent presses "Take next"; each later one waits for an agent to finish, and `available` agents finish
 * one ticket each per handling time. Null when no agent is available: there is nothing to estimate from.
 */
export function estimateWaitMs(position: number, capacity: DeskCapacity): number | null {
  if (capacity.available <= 0) return null;
  const ahead = position - capacity.free;
  if (ahead <= 0) return 0;
  const handling = capacity.handlingMs ?? DEFAULT_HANDLING_MS;
  return Math.ceil(ahead / capacity.available) * handling;
}

/** "about 5 min", "under a minute": the wording visitors see. */
export function describeWait(ms: number | null): string {
  if (ms === null) return "no agent is available right now";
  if (ms < 60_000) return "less than a minute";
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `about ${minutes} min` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
