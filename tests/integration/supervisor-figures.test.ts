// The supervisor's figures over real sockets and a real database: what they count, who may ask, who gets the push.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeskFigures, longestWaitMs } from "@/lib/domain/desk-figures";
import { startRealtimeStack, type RealtimeStack, type TestClient } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

/** A push comes within one interval (2 s) of the change; this leaves room on a busy machine. */
const PUSH_MS = 8000;

describe(`supervisor figures (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const pushed = (client: TestClient, until: (f: DeskFigures) => boolean) =>
    client.next<{ figures: DeskFigures }>("supervisor:figures", (p) => until(p.figures), PUSH_MS).then((p) => p.figures);

  it("counts the queue, the agents, calls, recordings and today's tickets, and pushes changes to supervisors only", async () => {
    const admin = await stack.agent("admin");
    const agent = await stack.agent("agent1");
    const agentPushes: unknown[] = [];
    agent.socket.on("supervisor:figures", (p) => agentPushes.push(p));

    const refused = await agent.request("supervisor:figures", {});
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });

    // The seeded agent1, agent2 and admin are active and Available with nothing in hand.
    const before = (await admin.ok("supervisor:figures", {})).figures;
    expect(before).toMatchObject({ waiting: 0, oldestWaitingSince: null, callsInProgress: 0, recordingsInProgress: 0 });
    expect(before.agents).toEqual({ available: 3, busy: 0, away: 0 });
    expect(before.today).toMatchObject({ handled: 0, averageWaitMs: null, averageHandlingMs: null, averageRating: null, ratings: 0 });

    const vera = await stack.visitor({ name: "Vera" });
    const first = (await vera.ok("ticket:open", { skill: "general" })).ticket;
    await new Promise((r) => setTimeout(r, 100));
    const walt = await stack.visitor({ name: "Walt" });
    await walt.ok("ticket:open", { skill: "general" });

    const queued = await pushed(admin, (f) => f.waiting === 2);
    expect(queued.oldestWaitingSince).toBe(first.createdAt);
    const longest = longestWaitMs(queued, 0)!;
    expect(longest).toBeGreaterThanOrEqual(100);
    expect(longest).toBeLessThanOrEqual(Date.now() - Date.parse(first.createdAt) + 50);

    // agent1 takes Vera's ticket (the oldest) and calls her: busy, one call.
    const taken = await agent.ok("queue:takeNext", {});
    expect(taken.ticket?.id).toBe(first.id);
    await agent.ok("ticket:inviteToVideo", { ticketId: first.id });
    const inCall = await pushed(admin, (f) => f.agents.busy === 1 && f.callsInProgress === 1);
    expect(inCall).toMatchObject({ waiting: 1, agents: { available: 2, busy: 1, away: 0 } });
    expect(inCall.today.averageWaitMs).toBeGreaterThanOrEqual(0);

    const meetingPointId = taken.meetingPoint!.id;
    const { recording } = await agent.ok("recording:start", { meetingPointId });
    const recorded = await pushed(admin, (f) => f.recordingsInProgress === 1);
    expect(recorded.recordings).toEqual([
      expect.objectContaining({
        id: recording.id,
        status: "recording",
        hostName: "Alice Agent",
        title: "Ticket with Vera",
        ticketId: first.id,
      }),
    ]);

    // Closing ends the call and stops its recording (queued for compositing: processing); Vera rates it.
    await agent.ok("ticket:close", { ticketId: first.id });
    await vera.ok("ticket:rate", { ticketId: first.id, rating: 4 });
    const done = await pushed(admin, (f) => f.today.handled === 1 && f.today.ratings === 1);
    expect(done).toMatchObject({ callsInProgress: 0, recordingsInProgress: 0, recordingsProcessing: 1, recordings: [] });
    expect(done.agents).toEqual({ available: 3, busy: 0, away: 0 });
    expect(done.today).toMatchObject({ handled: 1, averageRating: 4, ratings: 1 });
    expect(done.today.averageHandlingMs).toBeGreaterThanOrEqual(0);

    await agent.ok("availability:set", { availability: "away" });
    expect((await pushed(admin, (f) => f.agents.away === 1)).agents).toEqual({ available: 2, busy: 0, away: 1 });

    expect(agentPushes).toEqual([]);
  });

  it("pushes nothing while nothing changes", async () => {
    const admin = await stack.agent("admin");
    const pushes: unknown[] = [];
    admin.socket.on("supervisor:figures", (p) => pushes.push(p));
    await new Promise((r) => setTimeout(r, 5000));
    expect(pushes).toEqual([]);
  });
});
