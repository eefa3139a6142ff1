// Per-user limits on the requests that write and notify: ticket:open and chat:send (defaults in
// DEFAULT_REQUEST_RATE_LIMITS, the stack uses them unchanged). Refusals are RATE_LIMITED acks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REQUEST_RATE_LIMITS } from "@/server/realtime/socket-server";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

let stack: RealtimeStack;
beforeAll(async () => {
  stack = await startRealtimeStack();
});
afterAll(async () => {
  await stack?.close();
});

/** A visitor with a ticket taken by agent1, in a live call with them; returns the meeting point. */
async function callBetweenAgentAndVisitor() {
  const agent = await stack.agent("agent1");
  const visitor = await stack.visitor({ name: "Rita" });
  const { ticket } = await visitor.ok("ticket:open", { name: "Rita" });
  await agent.ok("queue:takeNext", {});
  const invited = visitor.next<{ invitationId: string; meetingPointId: string }>("mp:invited");
  await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
  const notice = await invited;
  await visitor.ok("mp:accept", { meetingPointId: notice.meetingPointId, invitationId: notice.invitationId });
  return { agent, visitor, meetingPointId: notice.meetingPointId };
}

describe("socket request rate limits", () => {
  it("the defaults are 20 chat messages per 10 s and 10 tickets per minute per user", () => {
    expect(DEFAULT_REQUEST_RATE_LIMITS["chat:send"]).toEqual({ limit: 20, windowMs: 10_000 });
    expect(DEFAULT_REQUEST_RATE_LIMITS["ticket:open"]).toEqual({ limit: 10, windowMs: 60_000 });
  });

  it("refuses the 21st chat message within the window, and only for that user", async () => {
    const { agent, visitor, meetingPointId } = await callBetweenAgentAndVisitor();
    const received: string[] = [];
    visitor.socket.on("chat:message", (p: { message: { body: string } }) => received.push(p.message.body));
    for (let i = 1; i <= 20; i++) await agent.ok("chat:send", { meetingPointId, body: `message ${i}` });

    const refused = await agent.request("chat:send", { meetingPointId, body: "message 21" });
    expect(refused).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(!refused.ok && refused.message).toMatch(/retry in \d+ s/);
    // The refused message was neither stored nor sent.
    const history = await visitor.ok("chat:history", { meetingPointId });
    expect(history.messages.map((m) => m.body)).not.toContain("message 21");
    expect(history.messages.filter((m) => m.body.startsWith("message "))).toHaveLength(20);

    // The other person in the same call, and the limited agent's other requests, are unaffected.
    const reply = await visitor.ok("chat:send", { meetingPointId, body: "visitor still talks" });
    expect(reply.message.body).toBe("visitor still talks");
    expect((await agent.ok("queue:mine", {})).tickets).toBeInstanceOf(Array);
    // Another connection of the same agent shares the limit: it is per user, not per socket.
    const sameAgentAgain = await stack.agent("agent1");
    expect(await sameAgentAgain.request("chat:send", { meetingPointId, body: "from a second tab" })).toMatchObject({
      ok: false,
      code: "RATE_LIMITED",
    });
    await expect.poll(() => received.filter((b) => b.startsWith("message ")).length).toBe(20);
    expect(received).not.toContain("message 21");
  });

  it("refuses the 11th ticket:open of one visitor within a minute, not other visitors'", async () => {
    const visitor = await stack.visitor({ name: "Flooder" });
    const codes: string[] = [];
    for (let i = 0; i < 11; i++) {
      const reply = await visitor.request("ticket:open", { name: "Flooder" });
      codes.push(reply.ok ? "ok" : reply.code);
    }
    expect(codes[0]).toBe("ok"); // then CONFLICT or ok (one open ticket at a time), which still count
    expect(codes.slice(0, 10)).not.toContain("RATE_LIMITED");
    expect(codes[10]).toBe("RATE_LIMITED");

    const other = await stack.visitor({ name: "Patient" });
    expect((await other.ok("ticket:open", { name: "Patient" })).ticket.status).toBe("waiting");
    // Invalid payloads are refused before the limit and do not count against another visitor either.
    expect(await other.request("ticket:open", { name: 5 } as never)).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });
});
