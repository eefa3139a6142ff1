import { describe, expect, it } from "vitest";
import { recordingChapters, type ChaptersInput } from "@/lib/compositing/chapters";
import { parseManifest } from "@/lib/compositing/manifest";
import type { TimeSpan } from "@/lib/compositing/timeline";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

// The recording's timeline as the movie's chapters: every event in OUTPUT time (pauses are not in the movie).

const END = 60_000;
const range = (toMs = END): TimeSpan => ({ fromMs: T0, toMs: T0 + toMs });
const span = (from: number, to: number): TimeSpan => ({ fromMs: T0 + from, toMs: T0 + to });

function chapters(m: SyntheticRecording, o: Partial<ChaptersInput> = {}) {
  return recordingChapters({ events: parseManifest(m.text()).events, range: range(), ...o });
}
const starts = (list: { startMs: number; title: string }[]) => list.map((c) => [c.startMs, c.title]);

describe("recording chapters", () => {
  it("joins and leaves, each a chapter that runs until the next; the first starts at 0 and the last ends with the movie", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.session("b1", "visitor:ben", "Ben", "camera", 5_000);
    m.end("b1", 40_000);
    expect(chapters(m)).toEqual([
      { startMs: 0, endMs: 5_000, title: "Recording started · Ann joined" },
      { startMs: 5_000, endMs: 40_000, title: "Ben joined" },
      { startMs: 40_000, endMs: END, title: "Ben left" },
    ]);
  });

  it("people already in the call before the recording started join at 0", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", -20_000);
    m.session("b1", "visitor:ben", "Ben", "camera", -10_000);
    expect(starts(chapters(m))).toEqual([[0, "Recording started · Ann joined · Ben joined"]]);
  });

  it("a recording with no events is one chapter", () => {
    expect(chapters(new SyntheticRecording())).toEqual([{ startMs: 0, endMs: END, title: "Recording started" }]);
  });

  it("screen shares start and stop, separately from the sharer's presence", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.session("s1", "agent:ann", "Ann", "screen", 10_000);
    m.end("s1", 25_000);
    expect(starts(chapters(m))).toEqual([
      [0, "Recording started · Ann joined"],
      [10_000, "Ann started sharing the screen"],
      [25_000, "Ann stopped sharing the screen"],
    ]);
  });

  it("a reconnect whose new session starts before the old one ended is neither a leave nor a join", () => {
    const m = new SyntheticRecording();
    m.session("b1", "visitor:ben", "Ben", "camera", 0);
    m.session("b2", "visitor:ben", "Ben", "camera", 20_000);
    m.end("b1", 21_000, "ice-failed");
    expect(starts(chapters(m))).toEqual([[0, "Recording started · Ben joined"]]);
  });

  it("a drop and a later rejoin are a leave and a join", () => {
    const m = new SyntheticRecording();
    m.session("b1", "visitor:ben", "Ben", "camera", 0);
    m.end("b1", 20_000, "ice-failed");
    m.session("b2", "visitor:ben", "Ben", "camera", 30_000);
    expect(starts(chapters(m))).toEqual([
      [0, "Recording started · Ben joined"],
      [20_000, "Ben left"],
      [30_000, "Ben joined"],
    ]);
  });

  it("the recording's end is not a leave, and events after it are not in the movie", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.end("a1", END - 5, "recording-stopped");
    m.session("b1", "visitor:ben", "Ben", "camera", END + 1_000);
    expect(starts(chapters(m))).toEqual([[0, "Recording started · Ann joined"]]);
  });

  it("consent given, declined and withdrawn; the withdrawal's session end is not also a leave", () => {
    const m = new SyntheticRecording();
    m.consent("visitor:ben", "Ben", "given", -3_000);
    m.session("b1", "visitor:ben", "Ben", "camera", 1_000);
    m.consent("visitor:ben", "Ben", "withdrawn", 30_000);
    m.end("b1", 30_200, "consent-withdrawn");
    m.consent("visitor:cat", "Cat", "declined", 40_000);
    expect(starts(chapters(m))).toEqual([
      [0, "Recording started · Ben agreed to be recorded"],
      [1_000, "Ben joined"],
      [30_000, "Ben withdrew consent"],
      [40_000, "Cat declined to be recorded"],
    ]);
  });

  it("a pause is one instant of the movie: paused and resumed at the span boundary, later events moved up by the pause", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.session("b1", "visitor:ben", "Ben", "camera", 30_000);
    const spans = [span(0, 10_000), span(20_000, END)];
    expect(chapters(m, { spans })).toEqual([
      { startMs: 0, endMs: 10_000, title: "Recording started · Ann joined" },
      { startMs: 10_000, endMs: 20_000, title: "Recording paused · Recording resumed" },
      { startMs: 20_000, endMs: 50_000, title: "Ben joined" },
    ]);
  });

  it("what happened during a pause shows at the resume, between paused and resumed", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.session("b1", "visitor:ben", "Ben", "camera", 15_000);
    const spans = [span(0, 10_000), span(20_000, END)];
    expect(starts(chapters(m, { spans }))).toEqual([
      [0, "Recording started · Ann joined"],
      [10_000, "Recording paused · Ben joined · Recording resumed"],
    ]);
  });

  it("two pauses: each boundary in output time", () => {
    const spans = [span(0, 10_000), span(15_000, 25_000), span(40_000, END)];
    expect(starts(chapters(new SyntheticRecording(), { spans }))).toEqual([
      [0, "Recording started"],
      [10_000, "Recording paused · Recording resumed"],
      [20_000, "Recording paused · Recording resumed"],
    ]);
  });

  it("a recording started before the first span (armed) counts from the first span", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 12_000);
    expect(starts(chapters(m, { spans: [span(10_000, END)] }))).toEqual([
      [0, "Recording started"],
      [2_000, "Ann joined"],
    ]);
  });

  it("layout changes in output time; one before the first frame or to the same layout is no chapter", () => {
    const spans = [span(0, 10_000), span(20_000, END)];
    const layoutChanges = [
      { atMs: T0 - 1_000, layout: "active-speaker" as const },
      { atMs: T0 + 5_000, layout: "active-speaker" as const },
      { atMs: T0 + 30_000, layout: "screen-share" as const },
      { atMs: T0 + 35_000, layout: "grid" as const },
    ];
    expect(starts(chapters(new SyntheticRecording(), { spans, layoutChanges }))).toEqual([
      [0, "Recording started"],
      [10_000, "Recording paused · Recording resumed"],
      [20_000, "Layout: screen share"],
      [25_000, "Layout: grid"],
    ]);
  });

  it("a layout change during a pause takes effect at the resume", () => {
    const spans = [span(0, 10_000), span(20_000, END)];
    const layoutChanges = [{ atMs: T0 + 15_000, layout: "active-speaker" as const }];
    expect(starts(chapters(new SyntheticRecording(), { spans, layoutChanges }))).toEqual([
      [0, "Recording started"],
      [10_000, "Recording paused · Recording resumed · Layout: active speaker"],
    ]);
  });

  it("chapters stop at the movie's real length when it is shorter than the spans", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 0);
    m.session("b1", "visitor:ben", "Ben", "camera", 59_900);
    expect(chapters(m, { durationMs: 59_800 })).toEqual([{ startMs: 0, endMs: 59_800, title: "Recording started · Ann joined" }]);
  });

  it("the same title at the same instant is said once", () => {
    const m = new SyntheticRecording();
    m.session("s1", "agent:ann", "Ann", "screen", 10_000);
    m.end("s1", 12_000);
    m.session("s2", "agent:ann", "Ann", "screen", 12_000);
    expect(starts(chapters(m))).toEqual([
      [0, "Recording started"],
      [10_000, "Ann started sharing the screen"],
      [12_000, "Ann stopped sharing the screen · Ann started sharing the screen"],
    ]);
  });

  it("no captured time: no chapters", () => {
    expect(recordingChapters({ events: [], range: { fromMs: T0, toMs: T0 } })).toEqual([]);
  });

  it("events within half a second of a chapter's start are that chapter", () => {
    const m = new SyntheticRecording();
    m.session("a1", "agent:ann", "Ann", "camera", 120);
    m.session("b1", "visitor:ben", "Ben", "camera", 450);
    m.session("c1", "visitor:cat", "Cat", "camera", 700);
    expect(starts(chapters(m))).toEqual([
      [0, "Recording started · Ann joined · Ben joined"],
      [700, "Cat joined"],
    ]);
  });

  describe("a pause ends every session and browsers publish again after the resume", () => {
    const spans = [span(0, 10_000), span(20_000, END)];
    function pausedCall(rejoinAt: number | null, reason = "recording-paused") {
      const m = new SyntheticRecording();
      m.session("a1", "agent:ann", "Ann", "camera", 0);
      m.session("b1", "visitor:ben", "Ben", "camera", 1_000);
      m.session("s1", "agent:ann", "Ann", "screen", 2_000);
      for (const id of ["a1", "b1", "s1"]) m.end(id, 10_050, reason);
      m.session("a2", "agent:ann", "Ann", "camera", 20_700);
      m.session("s2", "agent:ann", "Ann", "screen", 20_900);
      if (rejoinAt !== null) m.session("b2", "visitor:ben", "Ben", "camera", rejoinAt);
      return m;
    }

    it("those back soon after the resume never left, nor stopped sharing", () => {
      expect(starts(chapters(pausedCall(21_000), { spans }))).toEqual([
        [0, "Recording started · Ann joined"],
        [1_000, "Ben joined"],
        [2_000, "Ann started sharing the screen"],
        [10_000, "Recording paused · Recording resumed"],
      ]);
    });

    it("the same when the recorder said nothing of why (a session that ended during the pause)", () => {
      expect(starts(chapters(pausedCall(21_000, "deleted"), { spans }))).toHaveLength(4);
    });

    it("the same when the pause ended them as a stop would (the co-located recorder)", () => {
      expect(starts(chapters(pausedCall(21_000, "recording-stopped"), { spans }))).toHaveLength(4);
      expect(starts(chapters(pausedCall(null, "recording-stopped"), { spans })).slice(3)).toEqual([
        [10_000, "Recording paused · Ben left · Recording resumed"],
      ]);
    });

    it("someone back long after the resume left at the resume and joined when back", () => {
      expect(starts(chapters(pausedCall(45_000), { spans })).slice(3)).toEqual([
        [10_000, "Recording paused · Ben left · Recording resumed"],
        [35_000, "Ben joined"],
      ]);
    });

    it("someone never back left at the resume", () => {
      expect(starts(chapters(pausedCall(null), { spans })).slice(3)).toEqual([[10_000, "Recording paused · Ben left · Recording resumed"]]);
    });

    it("a leave in a span before a pause is a leave where it happened", () => {
      const m = new SyntheticRecording();
      m.session("b1", "visitor:ben", "Ben", "camera", 0);
      m.end("b1", 5_000, "deleted");
      expect(starts(chapters(m, { spans }))).toEqual([
        [0, "Recording started · Ben joined"],
        [5_000, "Ben left"],
        [10_000, "Recording paused · Recording resumed"],
      ]);
    });
  });
});
