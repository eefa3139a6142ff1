// Who may do what over the socket, and what malformed input gets back. Each refusal must come as an
// ack with a code, and the server must keep serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRealtimeStack, type RealtimeStack, type TestClient } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

describe(`realtime authorization and validation (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let host: TestClient;
  let otherAgent: TestClient;
  let visitor: Awaited<ReturnType<RealtimeStack["visitor"]>>;
  let stranger: Awaited<ReturnType<RealtimeStack["visitor"]>>;
  let ticketId: string;
  let meetingPointId: string;

  beforeAll(async () => {
    stack = await startRealtimeStack();
    host = await stack.agent("agent1");
    otherAgent = await stack.agent("agent2");
    visitor = await stack.visitor({ name: "Owner" });
    stranger = await stack.visitor({ name: "Stranger" });
    ticketId = (await visitor.ok("ticket:open", { skill: "billing" })).ticket.id;
    const taken = await host.ok("queue:takeNext", {});
    meetingPointId = taken.meetingPoint!.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("a visitor cannot read or act on another visitor's ticket", async () => {
    expect(await stranger.request("ticket:get", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await stranger.request("ticket:cancel", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await stranger.request("ticket:progress", { ticketId, progress: "ready" })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await stranger.request("chat:send", { meetingPointId, body: "let me in" })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await stranger.request("chat:history", { meetingPointId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await stranger.request("mp:get", { meetingPointId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("a visitor cannot act as host or agent", async () => {
    for (const [event, payload] of [
      ["mp:host", { meetingPointId }],
      ["mp:end", { meetingPointId }],
      ["mp:invite", { meetingPointId, inviteeId: `visitor:${stranger.visitorId}` }],
      ["mp:remove", { meetingPointId, userId: `agent:${"0".repeat(8)}-0000-4000-8000-000000000000` }],
    ] as const) {
      expect(await visitor.request(event, payload as never), event).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    for (const event of ["queue:list", "queue:takeNext", "history:list"] as const) {
      expect(await visitor.request(event, {}), event).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    expect(await visitor.request("ticket:close", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await visitor.request("ticket:inviteToVideo", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await visitor.request("mp:create", {})).toMatchObject({ ok: false, code: "FORBIDDEN" });
    // Progress that only the server sets cannot be claimed by the visitor.
    expect(await visitor.request("ticket:progress", { ticketId, progress: "in_call" as never })).toMatchObject({
      ok: false,
      code: "BAD_REQUEST",
    });
  });

  // Authorization comes first: a visitor asking to record once learned the configured recorder destinations
  // (and, with low disk, the free space) from the refusal.
  it("a visitor asking to record is refused as not the host, learning nothing of the recorder", async () => {
    for (const destination of [undefined, "https://elsewhere.example/whip"]) {
      const reply = await visitor.request("recording:start", { meetingPointId, destination });
      expect(reply, String(destination)).toMatchObject({ ok: false, code: "FORBIDDEN" });
      expect(JSON.stringify(reply)).not.toMatch(/configured|local|disk|bytes/i);
    }
  });

  it("a visitor cannot admit itself from the wait list", async () => {
    const mp = (await host.ok("mp:create", { title: "Open room" })).meetingPoint;
    const requested = await stranger.ok("mp:requestJoin", { meetingPointId: mp.id });
    expect(requested.meetingPoint.myWaitListEntry?.position).toBe(1);
    expect(requested.meetingPoint.waitList).toBeUndefined(); // only the host sees the list
    const entryId = requested.meetingPoint.myWaitListEntry!.id;
    expect(await stranger.request("mp:admit", { meetingPointId: mp.id, entryId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const admitted = stranger.next<{ meetingPoint: { participants: { displayName: string }[] } }>("mp:updated", (p) =>
      p.meetingPoint.participants.some((x) => x.displayName === "Stranger"),
    );
    await host.ok("mp:admit", { meetingPointId: mp.id, entryId });
    await admitted;
  });

  // The chat:history rule (host and people in the call) is also who chat is pushed to: the wait list, pending
  // invitees and removed guests were told every message while history refused them.
  it("chat reaches only people who may read it: not the wait list, pending invitees or removed guests", async () => {
    const mp = (await host.ok("mp:create", { title: "Private room" })).meetingPoint;
    const guest = await stack.visitor({ name: "Guest" });
    const waiting = await stack.visitor({ name: "Waiting" });
    const invitee = await stack.visitor({ name: "Invitee" });
    const removed = await stack.visitor({ name: "Removed" });
    for (const person of [guest, removed]) {
      const entry = (await person.ok("mp:requestJoin", { meetingPointId: mp.id })).meetingPoint.myWaitListEntry!;
      await host.ok("mp:admit", { meetingPointId: mp.id, entryId: entry.id });
    }
    await host.ok("mp:remove", { meetingPointId: mp.id, userId: `visitor:${removed.visitorId}` });
    await waiting.ok("mp:requestJoin", { meetingPointId: mp.id });
    await host.ok("mp:invite", { meetingPointId: mp.id, inviteeId: `visitor:${invitee.visitorId}` });

    const told = new Map<string, string[]>();
    for (const [name, client] of [
      ["waiting", waiting],
      ["invitee", invitee],
      ["removed", removed],
    ] as const) {
      told.set(name, []);
      client.socket.on("chat:message", (p: { message: { body: string } }) => told.get(name)!.push(p.message.body));
    }
    const guestHeard = guest.next<{ message: { body: string } }>("chat:message", (p) => p.message.body === "secret diagnosis");
    await host.ok("chat:send", { meetingPointId: mp.id, body: "secret diagnosis" });
    await guestHeard;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(Object.fromEntries(told)).toEqual({ waiting: [], invitee: [], removed: [] });
    for (const outsider of [waiting, invitee, removed]) {
      expect(await outsider.request("chat:history", { meetingPointId: mp.id })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
  });

  it("an agent who is not the host cannot admit, invite, end or close another agent's ticket", async () => {
    expect(await otherAgent.request("mp:end", { meetingPointId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await otherAgent.request("mp:host", { meetingPointId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await otherAgent.request("ticket:inviteToVideo", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await otherAgent.request("ticket:close", { ticketId })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await otherAgent.request("chat:send", { meetingPointId, body: "hi" })).toMatchObject({ ok: false, code: "FORBIDDEN" });
    // Reading a ticket (history) is allowed to every agent.
    expect(await otherAgent.request("ticket:get", { ticketId })).toMatchObject({ ok: true });
  });

  it("signalling only reaches people in the same live call", async () => {
    const to = `visitor:${visitor.visitorId}`;
    const message = { type: "candidate" as const, candidate: null };
    expect(await stranger.request("rtc:signal", { meetingPointId, to, message })).toMatchObject({ ok: false });
    expect(await host.request("rtc:signal", { meetingPointId, to, message })).toMatchObject({ ok: false, code: "BAD_REQUEST" }); // not live yet
  });

  it("malformed events get { ok: false, code } and the server keeps serving", async () => {
    const raw = visitor.socket;
    const bad: [string, unknown][] = [
      ["ticket:get", { ticketId: "not-a-uuid" }],
      ["ticket:get", "just a string"],
      ["ticket:get", null],
      ["ticket:get", { ticketId: ticketId, extra: 1 }],
      ["ticket:open", { name: "x".repeat(500) }],
      ["ticket:open", JSON.parse('{"__proto__": {"admin": true}, "name": "p"}')],
      ["ticket:open", JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')],
      ["chat:send", { meetingPointId, body: "" }],
      ["rtc:signal", { meetingPointId, to: "agent:bogus", message: { type: "description" } }],
      ["no:such:event", {}],
    ];
    for (const [event, payload] of bad) {
      const reply = await raw.timeout(3000).emitWithAck(event, payload);
      expect(reply, `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, code: "BAD_REQUEST" });
      expect(typeof reply.message).toBe("string");
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // An event without an ack is ignored, not fatal.
    raw.emit("ticket:get", { ticketId });
    expect(await visitor.ok("session:whoami", {})).toMatchObject({ identity: { kind: "visitor" } });
  });
});
