import { describe, expect, it } from "vitest";
import { applyChanges, decide, newMeetingPoint, type MeetingPoint } from "@/lib/domain/meeting-point";
import { capturedMs, controlRecording, startRecording } from "@/lib/domain/recording";
import { DomainError } from "@/lib/domain/result";

const host = { userId: "agent:00000000-0000-4000-8000-000000000001", displayName: "Alice" };
const guest = "visitor:00000000-0000-4000-8000-0000000000a1";
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s));
let n = 0;
const newId = () => `rec-${++n}`;

function meetingPoint(state: "scheduled" | "live" | "ended"): MeetingPoint {
  let mp = newMeetingPoint(host, { now: at(0), newId });
  if (state !== "scheduled") mp = applyChanges(mp, decide(mp, host, { type: "host" }, { now: at(0), newId }), at(0));
  if (state === "ended") mp = applyChanges(mp, decide(mp, host, { type: "end" }, { now: at(0), newId }), at(0));
  return mp;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).code;
  }
  throw new Error("expected a refusal");
};

describe("recording control", () => {
  it("is armed before the call and starts capturing when the call starts", () => {
    const mp = meetingPoint("scheduled");
    const armed = startRecording(mp, host.userId, [], { now: at(1), newId });
    expect(armed).toMatchObject({ status: "armed", startedAt: null, spans: [] });
    const live = controlRecording(armed, mp, "system", { type: "callStarted" }, at(5));
    expect(live).toMatchObject({ status: "recording", startedAt: at(5) });
    expect(capturedMs(live, at(8))).toBe(3000);
  });

  it("records at once during a live call; pause and resume exclude the gap; stop ends it", () => {
    const mp = meetingPoint("live");
    let r = startRecording(mp, host.userId, [], { now: at(0), newId });
    expect(r.status).toBe("recording");
    r = controlRecording(r, mp, host.userId, { type: "pause" }, at(4));
    r = controlRecording(r, mp, host.userId, { type: "resume" }, at(10));
    r = controlRecording(r, mp, host.userId, { type: "stop" }, at(12));
    expect(r).toMatchObject({ status: "stopped", stoppedAt: at(12) });
    expect(capturedMs(r, at(60))).toBe(6000);
  });

  it("refuses a second recording while one runs, and lets a new one start after stop", () => {
    const mp = meetingPoint("live");
    const first = startRecording(mp, host.userId, [], { now: at(0), newId });
    expect(code(() => startRecording(mp, host.userId, [first], { now: at(1), newId }))).toBe("CONFLICT");
    const stopped = controlRecording(first, mp, host.userId, { type: "stop" }, at(2));
    expect(startRecording(mp, host.userId, [stopped], { now: at(3), newId }).status).toBe("recording");
  });

  it("only the host records or controls; an ended meeting point cannot be recorded", () => {
    const mp = meetingPoint("live");
    expect(code(() => startRecording(mp, guest, [], { now: at(0), newId }))).toBe("FORBIDDEN");
    const r = startRecording(mp, host.userId, [], { now: at(0), newId });
    for (const type of ["pause", "stop"] as const) {
      expect(code(() => controlRecording(r, mp, guest, { type }, at(1)))).toBe("FORBIDDEN");
    }
    expect(code(() => startRecording(meetingPoint("ended"), host.userId, [], { now: at(0), newId }))).toBe("CONFLICT");
  });

  it("refuses transitions that make no sense", () => {
    const mp = meetingPoint("scheduled");
    const armed = startRecording(mp, host.userId, [], { now: at(0), newId });
    expect(code(() => controlRecording(armed, mp, host.userId, { type: "pause" }, at(1)))).toBe("CONFLICT");
    expect(code(() => controlRecording(armed, mp, host.userId, { type: "resume" }, at(1)))).toBe("CONFLICT");
    const stopped = controlRecording(armed, mp, host.userId, { type: "stop" }, at(2));
    expect(stopped.startedAt).toBeNull(); // armed and never captured
    expect(code(() => controlRecording(stopped, mp, host.userId, { type: "stop" }, at(3)))).toBe("CONFLICT");
  });
});
