// Two app nodes sharing one database and Redis (Socket.IO's Redis adapter): a visitor on node A and an agent
// on node B go through queue, take, invite, accept, chat, call signalling and recording start as on one node.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeetingPointView, TicketView } from "@/lib/realtime/views";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

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
    // Each node's co-located recorder, as the other nodes reach it (NODE_URL/whip).
    const own = (node: string) => ({ whipBaseUrl: `http://${node}.test/whip`, ownRecorderUrl: `http://${node}.test/whip` });
    nodeA = await startRealtimeStack({ redis, graceMs: 1500, recording: own("node-a") });
    nodeB = await startRealtimeStack({ redis, graceMs: 1500, sharedDb: nodeA.db, recording: own("node-b") });
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
    const agentSeesVisitor = agent.next<{ meetingPoint: MeetingPointView }>("mp:updated", (p) =>
      p.meetingPoint.participants.some((x) => x.userId.startsWith("visitor:")),
    );
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

    const recording = visitor.next<{ meetingPoint: MeetingPointView }>(
      "mp:updated",
      (p) => p.meetingPoint.recording?.status === "recording",
    );
    await agent.ok("recording:start", { meetingPointId: notice.meetingPointId });
    await recording;
    // Started on node B: every participant publishes to B's recorder, whichever node issues the credential.
    await visitor.ok("recording:consent", {
      meetingPointId: notice.meetingPointId,
      decision: "given",
      textSha256: nodeA.desk.consent.textSha256,
    });
    const credential = await visitor.ok("recording:publish", { meetingPointId: notice.meetingPointId, source: "camera" });
    expect(credential.whipUrl).toBe(`http://node-b.test/whip/${credential.recordingId}`);
  });

  it("presence crosses nodes: a visitor who comes back on the other node keeps its place; one who does not leaves once", async () => {
    const first = await nodeA.visitor({ name: "Pia Presence" });
    const { ticket } = await first.ok("ticket:open", { skill: "general" });
    const onB = () => nodeB.desk.presence.isOnline(`visitor:${first.visitorId}`);
    await waitFor(onB);

    first.close();
    const again = await nodeB.visitor({ token: first.token });
    await new Promise((r) => setTimeout(r, 2500)); // past node A's grace period
    expect((await nodeA.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).status).toBe("waiting");
    expect(nodeA.desk.presence.isOnline(`visitor:${first.visitorId}`)).toBe(true);

    const agent = await nodeA.agent("agent2");
    const left = agent.next<{ tickets: TicketView[] }>("queue:updated", (p) => !p.tickets.some((t) => t.id === ticket.id), 8000);
    again.close();
    await left;
    const row = await nodeA.db.prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
    expect(row.status).toBe("abandoned");
    await waitFor(() => !nodeA.desk.presence.isOnline(`visitor:${first.visitorId}`) && !onB());
  });

  it("a supervisor gets each change of the figures once, whichever node they are on (each node pushes to its own)", async () => {
    const onA = await nodeA.agent("admin");
    const onB = await nodeB.agent("admin");
    // Each node's first reading after a supervisor arrives is pushed; counting starts after it.
    await new Promise((r) => setTimeout(r, 2500));
    const got: Record<"a" | "b", number[]> = { a: [], b: [] };
    onA.socket.on("supervisor:figures", (p: { figures: { waiting: number } }) => got.a.push(p.figures.waiting));
    onB.socket.on("supervisor:figures", (p: { figures: { waiting: number } }) => got.b.push(p.figures.waiting));
    const waiting = (await onA.ok("supervisor:figures", {})).figures.waiting;
    const visitor = await nodeA.visitor({ name: "Quinn Queue" });
    await visitor.ok("ticket:open", {});
    await new Promise((r) => setTimeout(r, 4500));
    expect(got).toEqual({ a: [waiting + 1], b: [waiting + 1] });
    visitor.close();
    onA.close();
    onB.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
