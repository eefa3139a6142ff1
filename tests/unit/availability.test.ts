import { describe, expect, it } from "vitest";
import { assertAvailable, DEFAULT_HANDLING_MS, describeWait, estimateWaitMs } from "@/lib/domain/availability";
import type { DomainError } from "@/lib/domain/result";
import { assertCanAddNote, assertCanRate, assertCanTransfer, type Ticket } from "@/lib/domain/ticket";
import type { Identity } from "@/lib/realtime/identity";

const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: "t1",
  visitorId: "v1",
  visitorName: "Vera",
  skill: null,
  status: "assigned",
  progress: "ready",
  agentId: "a1",
  agentName: "Alice",
  meetingPointId: null,
  createdAt: new Date(0),
  assignedAt: new Date(1000),
  closedAt: null,
  rating: null,
  ...over,
});
const agent = (id: string, role: "agent" | "supervisor" | "admin" = "agent"): Identity => ({
  kind: "agent",
  id,
  username: id,
  name: id,
  role,
});
const visitor = (id: string): Identity => ({ kind: "visitor", id });
const code = (fn: () => void) => {
  try {
    fn();
    return "ok";
  } catch (e) {
    return (e as DomainError).code;
  }
};

describe("expected wait", () => {
  const minute = 60_000;
  it("is unknown without an available agent, and zero while a free agent is there for the visitor", () => {
    expect(estimateWaitMs(1, { available: 0, free: 0, handlingMs: minute })).toBeNull();
    expect(estimateWaitMs(1, { available: 2, free: 1, handlingMs: minute })).toBe(0);
    expect(estimateWaitMs(2, { available: 2, free: 2, handlingMs: minute })).toBe(0);
  });

  it("grows by one handling time per round of available agents, beyond the free ones", () => {
    const capacity = { available: 2, free: 1, handlingMs: 4 * minute };
    expect([2, 3, 4, 5].map((p) => estimateWaitMs(p, capacity))).toEqual([4, 4, 8, 8].map((m) => m * minute));
    expect(estimateWaitMs(1, { available: 1, free: 0, handlingMs: null })).toBe(DEFAULT_HANDLING_MS);
  });

  it("reads as visitors expect", () => {
    expect(describeWait(null)).toBe("no agent is available right now");
    expect(describeWait(0)).toBe("less than a minute");
    expect(describeWait(4.6 * minute)).toBe("about 5 min");
    expect(describeWait(95 * minute)).toBe("about 1 h 35 min");
  });

  it("only Available agents take tickets", () => {
    expect(code(() => assertAvailable("available"))).toBe("ok");
    expect(code(() => assertAvailable("away"))).toBe("CONFLICT");
  });
});

describe("ticket handling rules", () => {
  it("the assigned agent transfers; supervisors and admins may move anyone's; not a waiting or closed ticket", () => {
    expect(code(() => assertCanTransfer(ticket(), agent("a1")))).toBe("ok");
    expect(code(() => assertCanTransfer(ticket(), agent("a2")))).toBe("FORBIDDEN");
    expect(code(() => assertCanTransfer(ticket(), agent("s", "supervisor")))).toBe("ok");
    expect(code(() => assertCanTransfer(ticket(), visitor("v1")))).toBe("FORBIDDEN");
    expect(code(() => assertCanTransfer(ticket({ status: "waiting", agentId: null }), agent("a1")))).toBe("CONFLICT");
    expect(code(() => assertCanTransfer(ticket({ status: "closed" }), agent("a1")))).toBe("CONFLICT");
  });

  it("notes are written by the assigned agent, supervisors and admins, never by a visitor", () => {
    expect(code(() => assertCanAddNote(ticket(), agent("a1")))).toBe("ok");
    expect(code(() => assertCanAddNote(ticket(), agent("x", "admin")))).toBe("ok");
    expect(code(() => assertCanAddNote(ticket(), agent("a2")))).toBe("FORBIDDEN");
    expect(code(() => assertCanAddNote(ticket(), visitor("v1")))).toBe("FORBIDDEN");
  });

  it("the ticket's own visitor rates it once, 1 to 5, after an agent took it", () => {
    expect(code(() => assertCanRate(ticket({ status: "closed" }), visitor("v1"), 5))).toBe("ok");
    expect(code(() => assertCanRate(ticket(), visitor("v2"), 5))).toBe("FORBIDDEN");
    expect(code(() => assertCanRate(ticket(), agent("a1"), 5))).toBe("FORBIDDEN");
    expect(code(() => assertCanRate(ticket(), visitor("v1"), 0))).toBe("BAD_REQUEST");
    expect(code(() => assertCanRate(ticket(), visitor("v1"), 2.5))).toBe("BAD_REQUEST");
    expect(code(() => assertCanRate(ticket({ assignedAt: null, status: "abandoned" }), visitor("v1"), 3))).toBe("CONFLICT");
    expect(code(() => assertCanRate(ticket({ rating: { value: 4, comment: null, at: new Date() } }), visitor("v1"), 3))).toBe("CONFLICT");
  });
});
