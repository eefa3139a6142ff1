// Availability, transfer, internal notes and rating over real sockets and a real database. The visitor's socket
// records everything it receives, to prove internal notes and transfer notes never reach it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentAvailabilityView, MeetingPointView, TicketEventView, TicketView } from "@/lib/realtime/views";
import { startRealtimeStack, type RealtimeStack, type TestClient } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

const SECRET_NOTE = "Needs a refund of 42 EUR, card ending 1234";
const INTERNAL_NOTE = "Visitor sounded upset; escalate if it happens again";

function recordEverything(client: TestClient): string[] {
  const seen: string[] = [];
  client.socket.onAny((event: string, ...args: unknown[]) => seen.push(`${event} ${JSON.stringify(args)}`));
  return seen;
}

describe(`ticket handling: availability, transfer, notes, rating (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack({ graceMs: 300 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function setEveryone(availability: "available" | "away") {
    await stack.db.prisma.agent.updateMany({ data: { availability, awayWhileGone: false } });
  }

  it("only Available agents take tickets; visitors see an expected wait, or that nobody is available", async () => {
    await setEveryone("away");
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Wanda" });
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    expect(ticket.estimatedWaitMs).toBeNull();

    expect((await agent.ok("availability:get", {})).availability.availability).toBe("away");
    const refused = await agent.request("queue:takeNext", {});
    expect(refused).toMatchObject({ ok: false, code: "CONFLICT" });

    // Going Available tells the agent's tabs and moves the visitor's estimate: a free agent, first in line.
    const told = visitor.next<{ ticket: TicketView }>("ticket:updated", (p) => p.ticket.estimatedWaitMs === 0);
    const echoed = agent.next<{ availability: AgentAvailabilityView }>("availability:updated");
    const set = await agent.ok("availability:set", { availability: "available" });
    expect(set.availability).toMatchObject({ availability: "available", whileGone: false });
    expect((await echoed).availability.availability).toBe("available");
    await told;

    const taken = await agent.ok("queue:takeNext", {});
    expect(taken.ticket?.id).toBe(ticket.id);
    await agent.ok("ticket:close", { ticketId: ticket.id });
    agent.close();
    visitor.close();
  });

  it("an agent whose every tab is gone past the grace period is Away, and Available again on return", async () => {
    await setEveryone("available");
    const first = await stack.agent("agent2");
    first.close();
    const agentId = (await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent2" } })).id;
    await expect
      .poll(async () => (await stack.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).availability, { timeout: 5000 })
      .toBe("away");

    const back = await stack.agent("agent2");
    // The first request after connecting already sees the return.
    expect((await back.ok("availability:get", {})).availability).toMatchObject({ availability: "available", whileGone: false });

    // A chosen Away survives leaving and coming back.
    await back.ok("availability:set", { availability: "away" });
    back.close();
    await new Promise((r) => setTimeout(r, 600));
    const again = await stack.agent("agent2");
    expect((await again.ok("availability:get", {})).availability.availability).toBe("away");
    await again.ok("availability:set", { availability: "available" });
    again.close();
  });

  it("transfers a ticket in a call to a colleague: the call and its recording stop, the visitor is told, the note stays internal", async () => {
    await setEveryone("available");
    const alice = await stack.agent("agent1");
    const bob = await stack.agent("agent2");
    const visitor = await stack.visitor({ name: "Theo" });
    const visitorSaw = recordEverything(visitor);
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    const taken = await alice.ok("queue:takeNext", {});
    expect(taken.ticket?.id).toBe(ticket.id);
    const meetingPointId = taken.meetingPoint!.id;
    const invited = visitor.next<{ invitationId: string }>("mp:invited");
    await alice.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    await visitor.ok("mp:accept", { meetingPointId, invitationId: (await invited).invitationId });
    await visitor.ok("chat:send", { meetingPointId, body: "My invoice is wrong" });
    const recording = (await alice.ok("recording:start", { meetingPointId })).recording;
    expect(recording.status).toBe("recording");

    const targets = await alice.ok("ticket:transferTargets", {});
    expect(targets.agents.map((a) => a.name)).toContain("Bob Agent");
    expect(targets.agents.map((a) => a.name)).not.toContain("Alice Agent");
    expect(targets.skills).toContain("billing");

    const bobGot = bob.next<{ ticket: TicketView }>(
      "ticket:updated",
      (p) => p.ticket.id === ticket.id && p.ticket.agent?.name === "Bob Agent",
    );
    const bobEvent = bob.next<{ event: TicketEventView }>("ticket:event");
    const aliceLost = alice.next<{ ticket: TicketView }>(
      "ticket:updated",
      (p) => p.ticket.id === ticket.id && p.ticket.agent?.name === "Bob Agent",
    );
    const visitorTold = visitor.next<{ message: { body: string } }>("chat:message", (p) =>
      p.message.body.includes("transferred to Bob Agent"),
    );
    const bobId = targets.agents.find((a) => a.name === "Bob Agent")!.id;
    const moved = await alice.ok("ticket:transfer", { ticketId: ticket.id, to: { kind: "agent", agentId: bobId }, note: SECRET_NOTE });
    expect(moved.ticket).toMatchObject({ status: "assigned", agent: { id: bobId, name: "Bob Agent" }, progress: "ready" });
    await Promise.all([bobGot, aliceLost, visitorTold]);
    expect((await bobEvent).event).toMatchObject({
      kind: "transferred",
      body: SECRET_NOTE,
      actor: { name: "Alice Agent" },
      to: { name: "Bob Agent" },
    });

    // The meeting point, with its conversation, is Bob's; the call stopped, and the recording with it.
    const mp = (await bob.ok("mp:get", { meetingPointId })).meetingPoint as MeetingPointView;
    expect(mp).toMatchObject({ hostId: `agent:${bobId}`, state: "scheduled", recording: null });
    expect(mp.participants.map((p) => p.displayName)).toEqual(["Bob Agent"]);
    const stored = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: recording.id } });
    expect(["stopped", "processing", "ready", "failed"]).toContain(stored.status);
    expect((await bob.ok("chat:history", { meetingPointId })).messages.map((m) => m.body)).toContain("My invoice is wrong");
    // Alice started that recording: she keeps seeing it after handing the ticket on (RECORDINGS_VISIBLE_TO=handled).
    const aliceRow = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    const aliceIdentity = {
      kind: "agent" as const,
      id: aliceRow.id,
      username: "agent1",
      name: aliceRow.displayName,
      role: "agent" as const,
    };
    expect((await stack.library.get(aliceIdentity, recording.id)).id).toBe(recording.id);
    expect((await stack.library.list(aliceIdentity)).map((r) => r.id)).toContain(recording.id);
    expect(await alice.request("ticket:inviteToVideo", { ticketId: ticket.id })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect((await bob.ok("ticket:inviteToVideo", { ticketId: ticket.id })).meetingPoint.state).toBe("live");
    expect(await alice.request("ticket:transfer", { ticketId: ticket.id, to: { kind: "queue", skill: null } })).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });

    // Internal notes: Bob writes one; the visitor can neither read the history nor has received any of it.
    await bob.ok("ticket:note", { ticketId: ticket.id, body: INTERNAL_NOTE });
    const timeline = await alice.ok("ticket:timeline", { ticketId: ticket.id });
    expect(timeline.events.map((e) => [e.kind, e.body])).toEqual([
      ["transferred", SECRET_NOTE],
      ["note", INTERNAL_NOTE],
    ]);
    expect(await visitor.request("ticket:timeline", { ticketId: ticket.id })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await visitor.request("ticket:note", { ticketId: ticket.id, body: "me too" })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await new Promise((r) => setTimeout(r, 200));
    expect(visitorSaw.length).toBeGreaterThan(3);
    for (const line of visitorSaw) {
      expect(line).not.toContain(SECRET_NOTE);
      expect(line).not.toContain(INTERNAL_NOTE);
      expect(line.startsWith("ticket:event")).toBe(false);
    }

    // After the call the visitor rates it, once, 1 to 5; the rating is on the ticket and in the history.
    await bob.ok("ticket:close", { ticketId: ticket.id });
    expect(await visitor.request("ticket:rate", { ticketId: ticket.id, rating: 6 })).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    const rated = await visitor.ok("ticket:rate", { ticketId: ticket.id, rating: 4, comment: "Quick and kind" });
    expect(rated.ticket.rating).toMatchObject({ value: 4, comment: "Quick and kind" });
    expect(await visitor.request("ticket:rate", { ticketId: ticket.id, rating: 1 })).toMatchObject({ ok: false, code: "CONFLICT" });
    const history = await alice.ok("history:list", {});
    expect(history.tickets.find((t) => t.id === ticket.id)?.rating?.value).toBe(4);
    for (const c of [alice, bob, visitor]) c.close();
  });

  it("transfers back to a skill queue: the next agent with that skill gets the same meeting point and conversation", async () => {
    await setEveryone("available");
    const alice = await stack.agent("agent1");
    const bob = await stack.agent("agent2");
    const visitor = await stack.visitor({ name: "Quinn" });
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    const taken = await alice.ok("queue:takeNext", {});
    expect(taken.ticket?.id).toBe(ticket.id);
    const meetingPointId = taken.meetingPoint!.id;
    await visitor.ok("chat:send", { meetingPointId, body: "The app crashes" });

    const queued = bob.next<{ tickets: TicketView[] }>("queue:updated", (p) => p.tickets.some((t) => t.id === ticket.id));
    const back = await alice.ok("ticket:transfer", {
      ticketId: ticket.id,
      to: { kind: "queue", skill: "technical" },
      note: "Technical issue",
    });
    expect(back.ticket).toMatchObject({ status: "waiting", agent: null, skill: "technical", meetingPointId });
    await queued;
    expect(await visitor.ok("ticket:mine", {})).toMatchObject({ ticket: { status: "waiting", position: 1 } });

    const bobTook = await bob.ok("queue:takeNext", {});
    expect(bobTook.ticket).toMatchObject({ id: ticket.id, agent: { name: "Bob Agent" }, meetingPointId });
    expect(bobTook.meetingPoint).toMatchObject({ id: meetingPointId, hostId: `agent:${bobTook.ticket!.agent!.id}` });
    const bodies = (await bob.ok("chat:history", { meetingPointId })).messages.map((m) => m.body);
    expect(bodies[0]).toBe("The app crashes");
    expect(bodies.some((b) => b.includes("back in the queue"))).toBe(true);
    expect((await bob.ok("ticket:timeline", { ticketId: ticket.id })).events[0]).toMatchObject({
      kind: "transferred",
      to: { skill: "technical" },
    });

    // Bob is deactivated while he holds it: an admin's release puts it back in the queue with the reason on record.
    const admin = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "admin" } });
    const adminIdentity = { kind: "agent" as const, id: admin.id, username: "admin", name: admin.displayName, role: "admin" as const };
    const released = await stack.desk.ticketHandling.releaseAll(
      adminIdentity,
      bobTook.ticket!.agent!.id,
      "Back to the queue: Bob was deactivated.",
    );
    expect(released).toBe(1);
    expect(await visitor.ok("ticket:mine", {})).toMatchObject({ ticket: { status: "waiting", skill: "technical", meetingPointId } });
    expect((await alice.ok("ticket:timeline", { ticketId: ticket.id })).events.at(-1)).toMatchObject({
      kind: "transferred",
      body: "Back to the queue: Bob was deactivated.",
      actor: { name: admin.displayName },
    });
    await visitor.ok("ticket:cancel", { ticketId: ticket.id });
    for (const c of [alice, bob, visitor]) c.close();
  });
});
