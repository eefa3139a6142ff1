// The help-desk flow over real sockets and a real database, without a browser.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeetingPointView, TicketView } from "@/lib/realtime/views";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

describe(`help desk over Socket.IO (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("visitor queues, agent sees it live, takes it, invites; visitor accepts; chat both ways; close", async () => {
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Vera" });

    const queued = agent.next<{ tickets: TicketView[] }>("queue:updated", (p) => p.tickets.some((t) => t.visitorName === "Vera"));
    const { ticket } = await visitor.ok("ticket:open", { skill: "billing" });
    expect(ticket).toMatchObject({ status: "waiting", progress: "initializing", skill: "billing", visitorName: "Vera" });
    expect(ticket.position).toBeGreaterThanOrEqual(1);
    expect((await queued).tickets.find((t) => t.id === ticket.id)).toBeTruthy();

    // Reopening (a reload) returns the same ticket and place.
    expect((await visitor.ok("ticket:open", {})).ticket.id).toBe(ticket.id);
    await visitor.ok("ticket:progress", { ticketId: ticket.id, progress: "ready" });

    const assigned = visitor.next<{ ticket: TicketView }>("ticket:updated", (p) => p.ticket.status === "assigned");
    const taken = await agent.ok("queue:takeNext", {});
    expect(taken.ticket).toMatchObject({ id: ticket.id, status: "assigned", agent: { name: "Alice Agent" } });
    expect(taken.meetingPoint).toMatchObject({ state: "scheduled", ticketId: ticket.id });
    expect((await assigned).ticket.agent?.name).toBe("Alice Agent");

    const invited = visitor.next<{ invitationId: string; meetingPointId: string; fromName: string }>("mp:invited");
    const inv = await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    expect(inv.meetingPoint.state).toBe("live");
    expect(inv.ticket.progress).toBe("invited");
    const notice = await invited;
    expect(notice.fromName).toBe("Alice Agent");

    const joined = agent.next<{ meetingPoint: MeetingPointView }>("mp:updated", (p) => p.meetingPoint.participants.length === 2);
    const accepted = await visitor.ok("mp:accept", { meetingPointId: notice.meetingPointId, invitationId: notice.invitationId });
    expect(accepted.meetingPoint.participants.map((p) => p.displayName).sort()).toEqual(["Alice Agent", "Vera"]);
    expect((await joined).meetingPoint.participants.every((p) => p.online)).toBe(true);
    expect((await stack.desk.helpDesk.get({ kind: "visitor", id: visitor.visitorId }, ticket.id)).ticket.progress).toBe("in_call");

    const toVisitor = visitor.next<{ message: { body: string } }>("chat:message", (p) => p.message.body === "Hello Vera");
    await agent.ok("chat:send", { meetingPointId: notice.meetingPointId, body: "Hello Vera" });
    await toVisitor;
    const toAgent = agent.next<{ message: { body: string; senderName: string } }>("chat:message", (p) => p.message.body === "Hi!");
    await visitor.ok("chat:send", { meetingPointId: notice.meetingPointId, body: "Hi!" });
    expect((await toAgent).message.senderName).toBe("Vera");

    // Signalling is relayed between the two people in the call.
    const signal = visitor.next<{ from: string; message: { type: string } }>("rtc:signal");
    await agent.ok("rtc:signal", {
      meetingPointId: notice.meetingPointId,
      to: `visitor:${visitor.visitorId}`,
      message: { type: "candidate", candidate: null },
    });
    expect((await signal).from).toMatch(/^agent:/);

    const ended = visitor.next<{ meetingPoint: MeetingPointView }>("mp:updated", (p) => p.meetingPoint.state === "ended");
    await agent.ok("mp:end", { meetingPointId: notice.meetingPointId });
    await ended;

    const closedNotice = visitor.next<{ ticket: TicketView }>("ticket:updated", (p) => p.ticket.status === "closed");
    const closed = await agent.ok("ticket:close", { ticketId: ticket.id });
    expect(closed.ticket.status).toBe("closed");
    await closedNotice;

    const history = await agent.ok("history:list", {});
    expect(history.tickets.find((t) => t.id === ticket.id)).toMatchObject({ status: "closed" });
    const details = await agent.ok("ticket:get", { ticketId: ticket.id });
    expect(details.messages.map((m) => m.body)).toEqual(["Hello Vera", "Hi!"]);
  });

  it("two agents pressing Take next at the same moment get different tickets", async () => {
    const [a1, a2] = [await stack.agent("agent1"), await stack.agent("agent2")];
    for (let round = 0; round < 5; round++) {
      const v1 = await stack.visitor({ name: `First ${round}` });
      const v2 = await stack.visitor({ name: `Second ${round}` });
      const t1 = (await v1.ok("ticket:open", { skill: "general" })).ticket;
      const t2 = (await v2.ok("ticket:open", { skill: "general" })).ticket;
      const [r1, r2] = await Promise.all([a1.ok("queue:takeNext", {}), a2.ok("queue:takeNext", {})]);
      expect([r1.ticket?.id, r2.ticket?.id].sort()).toEqual([t1.id, t2.id].sort());
      expect(r1.ticket?.agent?.name).toBe("Alice Agent");
      expect(r2.ticket?.agent?.name).toBe("Bob Agent");
      expect(r1.meetingPoint!.id).not.toBe(r2.meetingPoint!.id);
    }
    const [r3, r4] = await Promise.all([a1.ok("queue:takeNext", {}), a2.ok("queue:takeNext", {})]);
    expect([r3.ticket, r4.ticket]).toEqual([null, null]);
  });

  it("hands tickets to agents with the skill only", async () => {
    const admin = await stack.agent("admin"); // skills: general only
    const v = await stack.visitor({ name: "Tech" });
    const { ticket } = await v.ok("ticket:open", { skill: "technical" });
    expect((await admin.ok("queue:takeNext", {})).ticket).toBeNull();
    const agent2 = await stack.agent("agent2");
    expect((await agent2.ok("queue:takeNext", {})).ticket?.id).toBe(ticket.id);
  });

  it("a visitor who disconnects keeps its place within the grace period and loses it after", async () => {
    const agent = await stack.agent("agent1");
    const first = await stack.visitor({ name: "Stays" });
    const { ticket } = await first.ok("ticket:open", {});
    first.close();
    const again = await stack.visitor({ token: first.token });
    const mine = await again.ok("ticket:mine", {});
    expect(mine.ticket?.id).toBe(ticket.id);
    expect(mine.ticket?.status).toBe("waiting");

    const gone = agent.next<{ tickets: TicketView[] }>("queue:updated", (p) => !p.tickets.some((t) => t.id === ticket.id), 5000);
    again.close();
    await gone; // grace period (300 ms in this stack) passed
    const after = await stack.desk.helpDesk.get({ kind: "visitor", id: first.visitorId }, ticket.id);
    expect(after.ticket).toMatchObject({ status: "abandoned", progress: "left" });
  });

  it("a user who reconnects within the grace period keeps its place in a meeting point's wait list", async () => {
    const host = await stack.agent("agent2");
    const { meetingPoint } = await host.ok("mp:create", { title: "Clinic" });
    const first = await stack.visitor({ name: "Early" });
    const second = await stack.visitor({ name: "Late" });
    const entry = (await first.ok("mp:requestJoin", { meetingPointId: meetingPoint.id })).meetingPoint.myWaitListEntry!;
    await second.ok("mp:requestJoin", { meetingPointId: meetingPoint.id });
    first.close();
    const back = await stack.visitor({ token: first.token });
    const view = await back.ok("mp:requestJoin", { meetingPointId: meetingPoint.id }); // asking again is harmless
    expect(view.meetingPoint.myWaitListEntry).toEqual(entry);
    expect(view.meetingPoint.myWaitListEntry?.position).toBe(1);
    const hostView = await host.ok("mp:get", { meetingPointId: meetingPoint.id });
    expect(hostView.meetingPoint.waitList?.map((e) => e.displayName)).toEqual(["Early", "Late"]);
  });
});
