// Queue changes within one window cost one read and one broadcast; a visitor is told only when its place moved.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Ticket } from "@/lib/domain/ticket";
import type { TicketStore } from "@/server/help-desk/ticket-store";
import type { Notifier } from "@/server/help-desk/notifier";
import { QueueBroadcast } from "@/server/help-desk/queue-broadcast";

const ticket = (id: string, minute: number): Ticket => ({
  id,
  visitorId: `v-${id}`,
  visitorName: id,
  skill: null,
  status: "waiting",
  progress: "ready",
  agentId: null,
  agentName: null,
  meetingPointId: null,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  assignedAt: null,
  closedAt: null,
  rating: null,
});

function setUp() {
  let waiting: Ticket[] = [];
  const reads = { count: 0 };
  const store = {
    listWaiting: async () => {
      reads.count++;
      return waiting;
    },
  } as unknown as TicketStore;
  const toAgents: unknown[] = [];
  const toUser: { userId: string; position: number | null; estimatedWaitMs?: number | null }[] = [];
  let capacity = { available: 1, free: 0, handlingMs: 60_000 };
  const notifier: Notifier = {
    toAgents: (_event, payload) => void toAgents.push(payload),
    toSupervisorsAnd: () => {},
    toUser: (userId, _event, payload) => {
      const { position, estimatedWaitMs } = (payload as { ticket: { position: number | null; estimatedWaitMs?: number | null } }).ticket;
      toUser.push(capacity.available === 1 ? { userId, position } : { userId, position, estimatedWaitMs });
    },
  };
  const broadcast = new QueueBroadcast(store, notifier, { windowMs: 100, capacity: async () => capacity });
  return {
    broadcast,
    reads,
    toAgents,
    toUser,
    set: (t: Ticket[]) => (waiting = t),
    setCapacity: (c: typeof capacity) => (capacity = c),
  };
}

describe("queue broadcast", () => {
  afterEach(() => vi.useRealTimers());

  it("coalesces a burst into one read and one broadcast, and tells each visitor only when its place moved", async () => {
    vi.useFakeTimers();
    const q = setUp();
    q.set([ticket("a", 1), ticket("b", 2), ticket("c", 3)]);
    for (let i = 0; i < 50; i++) q.broadcast.changed();
    await vi.advanceTimersByTimeAsync(150);
    expect(q.reads.count).toBe(1);
    expect(q.toAgents).toHaveLength(1);
    expect(q.toUser).toEqual([
      { userId: "visitor:v-a", position: 1 },
      { userId: "visitor:v-b", position: 2 },
      { userId: "visitor:v-c", position: 3 },
    ]);

    // "a" is taken and "d" arrives: b and c move up, d is new; nobody else is told anything.
    q.toUser.length = 0;
    q.set([ticket("b", 2), ticket("c", 3), ticket("d", 4)]);
    q.broadcast.changed();
    await vi.advanceTimersByTimeAsync(150);
    expect(q.toUser).toEqual([
      { userId: "visitor:v-b", position: 1 },
      { userId: "visitor:v-c", position: 2 },
      { userId: "visitor:v-d", position: 3 },
    ]);
    q.toUser.length = 0;
    q.broadcast.changed(); // nothing moved
    await vi.advanceTimersByTimeAsync(150);
    expect(q.toUser).toEqual([]);
    expect(q.toAgents).toHaveLength(3);

    // A second agent becomes Available: nobody moved, but every expected wait did, so every visitor is told.
    q.setCapacity({ available: 2, free: 1, handlingMs: 60_000 });
    q.broadcast.changed();
    await vi.advanceTimersByTimeAsync(150);
    expect(q.toUser).toEqual([
      { userId: "visitor:v-b", position: 1, estimatedWaitMs: 0 },
      { userId: "visitor:v-c", position: 2, estimatedWaitMs: 60_000 },
      { userId: "visitor:v-d", position: 3, estimatedWaitMs: 60_000 },
    ]);
    q.broadcast.close();
  });
});
