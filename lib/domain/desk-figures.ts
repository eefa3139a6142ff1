// The supervisor's figures: what the desk is doing now and how today went. The store counts and sums in SQL; this
// module says what each figure means, turns sums into averages and decides when a reading is news worth pushing.
//
// Definitions (only active agents count):
// - available: Available, holding no assigned ticket; busy: Available, holding at least one; away: Away.
// - waiting: tickets in the queue; longest wait: now − creation time of the oldest of them.
// - calls in progress: live meeting points; recordings in progress: capturing or paused (armed ones wait for their
//   call and capture nothing yet); recordings processing: stopped and queued for compositing, or being composited.
// - today: since local midnight in the server's time zone. Handled: tickets closed today (abandoned ones are not
//   handled). Average wait: creation → assignment of tickets assigned today. Average handling: assignment → closing
//   of tickets closed today. Average rating: of the ratings given today, with how many there were.

/** Recordings listed by name on the page; the count covers all of them. */
export const RECORDINGS_LISTED = 50;

/** A recording being captured, as the supervisor's page lists it (with a Watch live link). */
export interface RecordingInProgress {
  id: string;
  title: string | null;
  status: "recording" | "paused";
  startedAt: string | null;
  hostName: string;
  ticketId: string | null;
}

export interface DeskFigures {
  waiting: number;
  /** Creation time of the oldest waiting ticket; null when nobody waits. */
  oldestWaitingSince: string | null;
  agents: { available: number; busy: number; away: number };
  callsInProgress: number;
  recordingsInProgress: number;
  /** The oldest `RECORDINGS_LISTED` of them. */
  recordings: RecordingInProgress[];
  recordingsProcessing: number;
  today: {
    /** Local midnight this "today" starts at. */
    since: string;
    handled: number;
    averageWaitMs: number | null;
    averageHandlingMs: number | null;
    averageRating: number | null;
    ratings: number;
  };
  /**
   * Server time of the reading. The page counts the longest wait on from it with its own elapsed time, so a client
   * clock that is off does not skew it. Not part of what makes two readings different.
   */
  asOf: string;
}

/** What the store reads in one statement (averages as SQL computes them: null over no rows). */
export interface FigureCounts {
  waiting: number;
  oldestWaitingSince: Date | null;
  available: number;
  busy: number;
  away: number;
  callsInProgress: number;
  recordingsInProgress: number;
  recordingsProcessing: number;
  handled: number;
  averageWaitMs: number | null;
  averageHandlingMs: number | null;
  averageRating: number | null;
  ratings: number;
}

/** Local midnight (the server's time zone) of the day `now` is in. */
export function startOfLocalDay(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

const finite = (value: number | null): value is number => value !== null && Number.isFinite(value);
const wholeSeconds = (ms: number | null) => (finite(ms) ? Math.round(ms / 1000) * 1000 : null);
const oneDecimal = (value: number | null) => (finite(value) ? Math.round(value * 10) / 10 : null);

export function deskFigures(counts: FigureCounts, recordings: RecordingInProgress[], now: Date): DeskFigures {
  return {
    waiting: counts.waiting,
    oldestWaitingSince: counts.waiting > 0 && counts.oldestWaitingSince ? counts.oldestWaitingSince.toISOString() : null,
    agents: { available: counts.available, busy: counts.busy, away: counts.away },
    callsInProgress: counts.callsInProgress,
    recordingsInProgress: counts.recordingsInProgress,
    recordings,
    recordingsProcessing: counts.recordingsProcessing,
    today: {
      since: startOfLocalDay(now).toISOString(),
      handled: counts.handled,
      // Whole seconds and one decimal of a star: finer changes are not news worth a push.
      averageWaitMs: wholeSeconds(counts.averageWaitMs),
      averageHandlingMs: wholeSeconds(counts.averageHandlingMs),
      averageRating: oneDecimal(counts.averageRating),
      ratings: counts.ratings,
    },
    asOf: now.toISOString(),
  };
}

/** Whether two readings say the same (the time of reading aside): the push skips a reading that is no news. */
export function sameFigures(a: DeskFigures | null, b: DeskFigures | null): boolean {
  if (!a || !b) return a === b;
  return JSON.stringify({ ...a, asOf: null }) === JSON.stringify({ ...b, asOf: null });
}

/** The longest wait `elapsedMs` after the reading was taken; null when nobody waits. */
export function longestWaitMs(figures: Pick<DeskFigures, "oldestWaitingSince" | "asOf">, elapsedMs: number): number | null {
  if (!figures.oldestWaitingSince) return null;
  return Math.max(0, Date.parse(figures.asOf) - Date.parse(figures.oldestWaitingSince) + Math.max(0, elapsedMs));
}

/** "45 s", "3 min 05 s", "1 h 02 min": wait and handling times on the page. */
export function formatSpan(ms: number | null): string {
  if (ms === null) return "–";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
