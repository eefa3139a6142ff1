// The recording lifecycle as a table: every status × every event, written out. A status after "→" is the
// new state, "·" a no-op, "!" a refusal with CONFLICT. Changing any rule must change a cell here.
import { describe, expect, it } from "vitest";
import {
  chooseLayout,
  isDueForExpiry,
  LIFECYCLE_EVENTS,
  RECORDING_STATUSES,
  statusesAllowing,
  transition,
  type LifecycleEvent,
  type RecordingStatus,
} from "@/lib/domain/recording-lifecycle";
import { capturedSpansMs, decodeSpans, encodeSpans } from "@/lib/domain/recording";
import { DomainError } from "@/lib/domain/result";

const COLUMNS: LifecycleEvent[] = [
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

// prettier-ignore
const TABLE: Record<RecordingStatus, string[]> = {
  //            start callStarted   pause       resume        stop          interrupt        composeStarted  composed   composeFailed  recomposeFailed  expire       delete       keep            layout
  armed: ["!", "→recording", "!", "!", "→stopped", "→interrupted", "!", "!", "!", "!", "!", "!", "→armed", "→armed"],
  recording: ["!", "·", "→paused", "!", "→stopped", "→interrupted", "!", "!", "!", "!", "!", "!", "→recording", "→recording"],
  paused: ["!", "·", "!", "→recording", "→stopped", "→interrupted", "!", "!", "!", "!", "!", "!", "→paused", "→paused"],
  stopped: ["·", "·", "!", "!", "!", "·", "→processing", "!", "→failed", "→ready", "!", "→deleted", "→stopped", "→stopped"],
  interrupted: ["·", "·", "!", "!", "!", "·", "→processing", "!", "→failed", "!", "!", "→deleted", "→interrupted", "→interrupted"],
  processing: ["·", "·", "!", "!", "!", "·", "→processing", "→ready", "→failed", "→ready", "!", "→deleted", "→processing", "!"],
  ready: ["·", "·", "!", "!", "!", "·", "·", "·", "!", "·", "→expired", "→deleted", "→ready", "→stopped"],
  failed: ["·", "·", "!", "!", "!", "·", "→processing", "!", "·", "!", "!", "→deleted", "→failed", "→stopped"],
  expired: ["·", "·", "!", "!", "!", "·", "!", "!", "!", "!", "·", "→deleted", "!", "!"],
  deleted: ["·", "·", "!", "!", "!", "·", "!", "!", "!", "!", "!", "·", "!", "!"],
};

function cell(status: RecordingStatus, event: LifecycleEvent): string {
  const outcome = transition(status, event);
  if (outcome.kind === "allowed") return `→${outcome.to}`;
  if (outcome.kind === "noop") return "·";
  expect(outcome.error).toBeInstanceOf(DomainError);
  expect(outcome.error.code).toBe("CONFLICT");
  expect(outcome.error.message.length).toBeGreaterThan(0);
  return "!";
}

describe("recording lifecycle", () => {
  it("the table covers every status and every event", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...RECORDING_STATUSES].sort());
    expect([...COLUMNS].sort()).toEqual([...LIFECYCLE_EVENTS].sort());
  });

  for (const status of RECORDING_STATUSES) {
    it(`${status}: ${COLUMNS.map((e, i) => `${e} ${TABLE[status][i]}`).join(", ")}`, () => {
      expect(COLUMNS.map((event) => cell(status, event))).toEqual(TABLE[status]);
    });
  }

  it("a conditional write's `where` lists exactly the statuses the table allows", () => {
    for (const event of COLUMNS) {
      const column = COLUMNS.indexOf(event);
      expect(statusesAllowing(event)).toEqual(RECORDING_STATUSES.filter((s) => TABLE[s][column]!.startsWith("→")));
    }
  });

  it("a layout is the starting one before capture, a change from now while capturing, a fresh start after", () => {
    const earlier = [{ atMs: 5, layout: "grid" as const }];
    expect(chooseLayout("armed", "screen-share", [], 10)).toEqual({ layout: "screen-share" });
    expect(chooseLayout("paused", "screen-share", earlier, 10)).toEqual({
      layoutChanges: [...earlier, { atMs: 10, layout: "screen-share" }],
    });
    expect(chooseLayout("ready", "active-speaker", earlier, 10)).toEqual({ layout: "active-speaker", layoutChanges: [] });
    expect(() => chooseLayout("processing", "grid", [], 10)).toThrow(DomainError);
  });

  it("only a ready recording that is not kept is due once its expiry has passed", () => {
    const now = new Date(1_000_000);
    const past = new Date(999_000);
    expect(isDueForExpiry({ status: "ready", keep: false, expiresAt: past }, now)).toBe(true);
    expect(isDueForExpiry({ status: "ready", keep: true, expiresAt: past }, now)).toBe(false);
    expect(isDueForExpiry({ status: "ready", keep: false, expiresAt: null }, now)).toBe(false);
    expect(isDueForExpiry({ status: "ready", keep: false, expiresAt: new Date(1_000_001) }, now)).toBe(false);
    expect(isDueForExpiry({ status: "failed", keep: false, expiresAt: past }, now)).toBe(false);
  });

  it("spans round-trip through their stored form; only closed spans are composited", () => {
    const spans = [
      { from: new Date(1000), to: new Date(4000) },
      { from: new Date(6000), to: null },
    ];
    const json = encodeSpans(spans);
    expect(json).toEqual([
      { from: new Date(1000).toISOString(), to: new Date(4000).toISOString() },
      { from: new Date(6000).toISOString(), to: null },
    ]);
    expect(decodeSpans(JSON.parse(JSON.stringify(json)))).toEqual(spans);
    expect(decodeSpans(null)).toEqual([]);
    expect(capturedSpansMs(spans)).toEqual([{ fromMs: 1000, toMs: 4000 }]);
  });
});
