// Two app nodes sharing one database and Redis (Socket.IO's Redis adapter): a visitor on node A and an agent
// on node B go through queue, take, invite, accept, chat, call signalling and recording start as on one node.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeetingPointView, TicketView } from "@/lib/realtime/views";
import { startRealtimeStack, type RealtimeStack } from "../helpers/realtime-stack";
import { testDatabaseMode } from "../helpers/test-database";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function redisReachable(): Promise<boolean> {
  const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.quit();
    return true;
  } catch {
    return false;
  }
}
const haveRedis = await redisReachable();

describe.skipIf(!haveRedis)(`two app nodes over Redis (${testDatabaseMode()})`, () => {
  let nodeA: RealtimeStack;
  let nodeB: RealtimeStack;

  beforeAll(async () => {
    const redis = { url: REDIS_URL, key: `vhd-test-${randomBytes(4).toString("hex")}` };
    nodeA = await startRealtimeStack({ redis });
    nodeB = await startRealtimeStack({ redis, sharedDb: nodeA.db });
  });
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  it("visitor on A, agent on B: queue, take, invite, accept, chat, signalling and recording all cross nodes", async () => {
    const agent = await nodeB.agent("agent1");
    const visitor = await nodeA.visitor({ name: "Nora Node" });

    const queued = agent.next<{ tickets: TicketView[] }>("queue:updated", (p) => p.tickets.some((t) => t.visitorName === "Nora Node"));
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    await queued;

    const assigned = visitor.next<{ ticket: TicketView }>("ticket:updated", (p) => p.ticket.status === "assigned");
    const taken = await agent.ok("queue:takeNext", {});
    expect(taken.ticket?.id).toBe(ticket.id);
    await assigned;

    const invited = visitor.next<{ meetingPointId: string; invitationId: string }>("mp:invited");
    await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    const notice = await invited;
    const agentSeesVisitor = agent.next<{ meetingPoint: MeetingPointView }>("mp:updated", (p) => p.meetingPoint.participants.some((x) => x.userId.startsWith("visitor:")));
    await visitor.ok("mp:accept", { meetingPointId: notice.meetingPointId, invitationId: notice.invitationId });
    await agentSeesVisitor;

    const chat = visitor.next<{ message: { body: string } }>("chat:message", (p) => p.message.body === "hello from node B");
    await agent.ok("chat:send", { meetingPointId: notice.meetingPointId, body: "hello from node B" });
    await chat;

    const signal = agent.next<{ from: string; message: { type: string } }>("rtc:signal");
    await visitor.ok("rtc:signal", {
      meetingPointId: notice.meetingPointId,
      to: `agent:${taken.ticket!.agent!.id}`,
      message: { type: "description", description: { type: "offer", sdp: "v=0\r\n" } },
    });
    expect((await signal).from).toBe(`visitor:${visitor.visitorId}`);

    const recording = visitor.next<{ meetingPoint: MeetingPointView }>("mp:updated", (p) => p.meetingPoint.recording?.status === "recording");
    await agent.ok("recording:start", { meetingPointId: notice.meetingPointId });
    await recording;
  });
});
