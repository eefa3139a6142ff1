// Which waiting tickets should alert an agent, and what the console's tab title says while it is in the
// background. Agents receive the whole waiting list on every change, so "new" is worked out by comparing
// lists: the first list is what was already waiting when the console opened, and never alerts.

export interface WaitingTicket {
  id: string;
  skill: string | null;
  visitorName: string | null;
}

/** Mirrors what "Take next ticket" may assign: a ticket asking for no skill, or for one the agent has. */
export function canTake(skill: string | null, agentSkills: readonly string[]): boolean {
  return skill === null || agentSkills.includes(skill);
}

export interface AlertTracker {
  /**
   * Every ticket id seen waiting since the console opened; null until it has received a list. Never pruned: a
   * list answered just before a broadcast can arrive after it and miss a ticket, which must not alert twice.
   * A few dozen bytes per ticket over a shift.
   */
  known: ReadonlySet<string> | null;
  /** Tickets that alerted while the console was in the background and are still waiting. */
  unseen: readonly string[];
}

export const initialAlertTracker: AlertTracker = { known: null, unseen: [] };

/**
 * Takes in a new waiting list. `alerts` are the tickets to announce, each once. A ticket taken by someone
 * else leaves `unseen`.
 */
export function trackWaitingList<T extends WaitingTicket>(
  tracker: AlertTracker,
  waiting: readonly T[],
  agentSkills: readonly string[],
  background: boolean,
): { tracker: AlertTracker; alerts: T[] } {
  const previous = tracker.known;
  const alerts = previous ? waiting.filter((t) => !previous.has(t.id) && canTake(t.skill, agentSkills)) : [];
  const known = new Set(previous);
  for (const t of waiting) known.add(t.id);
  const waitingIds = new Set(waiting.map((t) => t.id));
  const stillWaiting = tracker.unseen.filter((id) => waitingIds.has(id));
  const unseen = background ? [...stillWaiting, ...alerts.map((t) => t.id)] : [];
  return { tracker: { known, unseen }, alerts };
}

/** The agent looked at the console: what alerted in the background has been seen. */
export function markSeen(tracker: AlertTracker): AlertTracker {
  return tracker.unseen.length ? { ...tracker, unseen: [] } : tracker;
}

const COUNT_PREFIX = /^\(\d+\) /;

/** The page's own title, without a count this module added. */
export function baseTitle(title: string): string {
  return title.replace(COUNT_PREFIX, "");
}

/** "(2) Console · Video Help Desk" while tickets wait unseen, else the page's own title. */
export function titleWithCount(title: string, unseen: number): string {
  const base = baseTitle(title);
  return unseen > 0 ? `(${unseen}) ${base}` : base;
}

/** Desktop notification text for one ticket. */
export function notificationText(ticket: WaitingTicket): { title: string; body: string } {
  return {
    title: ticket.skill ? `New ticket: ${ticket.skill}` : "New ticket",
    body: `${ticket.visitorName ?? "An anonymous visitor"} is waiting for help.`,
  };
}
