// Log lines about a request carry the ids of what it concerns (ticket, meeting point, recording), as JSON
// fields, so that one encounter's story can be pulled out of a node's log.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

describe("structured logs", () => {
  const lines: Record<string, unknown>[] = [];
  let stack: RealtimeStack;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    stack = await startRealtimeStack({ logger: pino({ level: "debug" }, sink) });
  });
  afterAll(async () => stack?.close());

  it("name the ticket, the meeting point and the recording each request concerned", async () => {
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Lola Log" });
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    await agent.ok("queue:takeNext", {});
    const invited = visitor.next<{ meetingPointId: string }>("mp:invited");
    await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    const { meetingPointId } = await invited;
    await agent.ok("chat:send", { meetingPointId, body: "hello" });
    const { recording } = await agent.ok("recording:start", { meetingPointId });
    const refused = await visitor.request("recording:stop", { meetingPointId });
    expect(refused.ok).toBe(false);

    const find = (event: string, msg = "socket request") => lines.find((l) => l.event === event && l.msg === msg);
    expect(find("ticket:open")).toMatchObject({ ticketId: ticket.id, userId: `visitor:${visitor.visitorId}` });
    expect(find("queue:takeNext")).toMatchObject({ ticketId: ticket.id });
    expect(find("ticket:inviteToVideo")).toMatchObject({ ticketId: ticket.id });
    expect(find("chat:send")).toMatchObject({ meetingPointId });
    expect(find("recording:start")).toMatchObject({ meetingPointId, recordingId: recording.id });
    expect(find("recording:stop", "socket request refused")).toMatchObject({ meetingPointId, code: expect.any(String) });
    for (const l of lines.filter((x) => typeof x.event === "string"))
      expect(typeof l.ms === "number" || typeof l.code === "string").toBe(true);
  });
});
