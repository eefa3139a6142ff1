import { describe, expect, it } from "vitest";
import { deskFigures, type FigureCounts, formatSpan, longestWaitMs, sameFigures, startOfLocalDay } from "@/lib/domain/desk-figures";

const counts: FigureCounts = {
  waiting: 2,
  oldestWaitingSince: new Date("2026-12-05T09:58:00Z"),
  available: 1,
  busy: 2,
  away: 3,
  callsInProgress: 1,
  recordingsInProgress: 1,
  recordingsProcessing: 0,
  handled: 4,
  averageWaitMs: 61_499.7,
  averageHandlingMs: 300_500,
  averageRating: 13 / 3,
  ratings: 3,
};
const now = new Date("2026-12-05T10:00:00Z");

describe("supervisor figures", () => {
  it("today starts at local midnight", () => {
    const start = startOfLocalDay(new Date(2026, 11, 5, 17, 30, 12));
    expect([start.getFullYear(), start.getMonth(), start.getDate(), start.getHours(), start.getMinutes()]).toEqual([2026, 11, 5, 0, 0]);
    expect(startOfLocalDay(new Date(2026, 11, 5, 0, 0, 0)).getTime()).toBe(new Date(2026, 11, 5).getTime());
  });

  it("rounds averages to whole seconds and one decimal of a star", () => {
    const f = deskFigures(counts, [], now);
    expect(f.today).toMatchObject({ handled: 4, averageWaitMs: 61_000, averageHandlingMs: 301_000, averageRating: 4.3, ratings: 3 });
    expect(f.agents).toEqual({ available: 1, busy: 2, away: 3 });
    expect(f.today.since).toBe(startOfLocalDay(now).toISOString());
  });

  it("has no averages and no longest wait over nothing", () => {
    const f = deskFigures(
      { ...counts, waiting: 0, oldestWaitingSince: null, averageWaitMs: null, averageHandlingMs: null, averageRating: null, ratings: 0 },
      [],
      now,
    );
    expect(f.oldestWaitingSince).toBeNull();
    expect(longestWaitMs(f, 5000)).toBeNull();
    expect(f.today).toMatchObject({ averageWaitMs: null, averageHandlingMs: null, averageRating: null });
  });

  it("counts the longest wait on from the reading, with the page's own elapsed time", () => {
    const f = deskFigures(counts, [], now);
    expect(longestWaitMs(f, 0)).toBe(120_000);
    expect(longestWaitMs(f, 3000)).toBe(123_000);
    expect(longestWaitMs(f, -50)).toBe(120_000);
  });

  it("a later reading that says the same is no news; any changed figure is", () => {
    const a = deskFigures(counts, [], now);
    const later = deskFigures(counts, [], new Date(now.getTime() + 2000));
    expect(sameFigures(a, later)).toBe(true);
    expect(sameFigures(a, deskFigures({ ...counts, busy: 3 }, [], now))).toBe(false);
    const recording = { id: "r1", title: null, status: "recording" as const, startedAt: null, hostName: "Alice", ticketId: null };
    expect(sameFigures(a, deskFigures(counts, [recording], now))).toBe(false);
    expect(sameFigures(null, a)).toBe(false);
    expect(sameFigures(null, null)).toBe(true);
  });

  it("formats spans the way the page shows them", () => {
    expect(formatSpan(null)).toBe("–");
    expect(formatSpan(44_600)).toBe("45 s");
    expect(formatSpan(185_000)).toBe("3 min 05 s");
    expect(formatSpan(3_720_000)).toBe("1 h 02 min");
  });
});
