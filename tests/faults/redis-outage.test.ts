// Two app nodes share the database and Socket.IO's Redis adapter, here a private redis-server reached through a
// fault proxy. Visitors on node A chat with their agent on node B; Redis goes away for about 3 s (a restart) and
// comes back: cross-node delivery resumes by itself (a message sent on A reaches B, and B's reach A), nothing
// was restarted, and every acknowledged message is in the history.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChild, type ChildHandle } from "@/tests/support/process-helpers";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { startTcpFaultProxy, type TcpFaultProxy } from "@/tests/support/tcp-fault-proxy";
import { testDatabaseMode } from "@/tests/support/test-database";
import { openConversations, startChatLoad, within, type ChatPair } from "@/tests/support/faults/chat-load";

const REDIS_PORT = 4630;
const PROXY_PORT = 4631;
const VISITORS = 3;
const OUTAGE_MS = 3000;
const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasRedisServer)(`Redis outage between two app nodes (${testDatabaseMode()})`, () => {
  let redis: ChildHandle;
  let proxy: TcpFaultProxy;
  let nodeA: RealtimeStack;
  let nodeB: RealtimeStack;
  let pairs: ChatPair[];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
    redis = startChild("redis", "redis-server", ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    await redis.waitForLine((l) => l.includes("Ready to accept connections"), 10_000);
    proxy = await startTcpFaultProxy({ port: REDIS_PORT }, { port: PROXY_PORT });
    const adapter = { url: `redis://127.0.0.1:${PROXY_PORT}`, key: `vhd-fault-${randomBytes(4).toString("hex")}` };
    nodeA = await startRealtimeStack({ redis: adapter, graceMs: 60_000 });
    nodeB = await startRealtimeStack({ redis: adapter, sharedDb: nodeA.db, graceMs: 60_000 });
    pairs = await openConversations(nodeA, nodeB, VISITORS); // visitors on A, their agent on B
  });
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
    await proxy?.close();
    await redis?.stop();
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
  });

  it("cross-node chat resumes after Redis comes back, without restarting anything, and no acknowledged message is lost", async () => {
    const agent = pairs[0]!.agent;
    // What the agent on node B receives, pushed from node A through Redis.
    const receivedOnB = new Map<string, number>();
    agent.socket.on("chat:message", (p: { message: { body: string } }) => receivedOnB.set(p.message.body, Date.now()));
    const receivedOnA = new Map<string, number>();
    pairs[0]!.visitor.socket.on("chat:message", (p: { message: { body: string } }) => receivedOnA.set(p.message.body, Date.now()));

    const load = startChatLoad(
      pairs.map((p, i) => ({ name: `visitor${i}`, client: p.visitor, meetingPointId: p.meetingPointId })),
      600,
    );
    await sleep(1500);
    expect(receivedOnB.size).toBeGreaterThan(0); // the adapter works before the fault
    const cutAt = Date.now();
    await proxy.cut();
    await sleep(OUTAGE_MS);
    await proxy.restore();
    const restoredAt = Date.now();

    // A message sent on A after the restore reaches B (the pub/sub subscription came back by itself).
    const aToB = await within("a visitor's message on node A reaching the agent on node B", 15_000, async () =>
      load.results.some((r) => r.at >= restoredAt && r.outcome === "ok" && receivedOnB.has(r.body)),
    );
    // And the other way: the agent on B answers, the visitor on A hears it. Node A's subscriber reconnects on its
    // own schedule, and Redis pub/sub keeps nothing for a subscriber that is away, so a push sent before it is back
    // is lost (the history keeps the message): the agent answers again each second until one arrives.
    let replies = 0;
    await within("an agent's message on node B reaching the visitor on node A", 15_000, async () => {
      if ([...receivedOnA.keys()].some((body) => body.startsWith("agent-after-restore-"))) return true;
      await agent.ok("chat:send", { meetingPointId: pairs[0]!.meetingPointId, body: `agent-after-restore-${replies++}` });
      await sleep(1000);
      return [...receivedOnA.keys()].some((body) => body.startsWith("agent-after-restore-"));
    });
    await sleep(1000);
    const results = await load.stop();

    const ok = results.filter((r) => r.outcome === "ok");
    const duringOutage = ok.filter((r) => r.at >= cutAt && r.at < restoredAt);
    const afterRestore = ok.filter((r) => r.at >= restoredAt + aToB);
    console.info(
      `redis-outage: ${results.length} sends, ${ok.length} ok [${[...new Set(results.map((r) => r.outcome))]}]; ` +
        `pushed to B: ${duringOutage.filter((r) => receivedOnB.has(r.body)).length}/${duringOutage.length} sent during the outage, ` +
        `${afterRestore.filter((r) => receivedOnB.has(r.body)).length}/${afterRestore.length} after recovery; A→B back ${aToB} ms after the restore`,
    );
    // Chat does not depend on Redis: every send was answered, and ok (the database stayed up).
    expect(results.filter((r) => r.outcome !== "ok")).toEqual([]);
    // Once delivery is back, it is complete.
    expect(afterRestore.filter((r) => !receivedOnB.has(r.body)).map((r) => r.body)).toEqual([]);
    expect(crashes).toEqual([]);
    expect(proxy.accepted).toBeGreaterThan(2); // the adapter's clients reconnected through the proxy

    // Pushes sent while Redis was away may be late or missing; the history, read from either node, is complete.
    for (const pair of pairs) {
      const { messages } = await pair.visitor.ok("chat:history", { meetingPointId: pair.meetingPointId });
      const bodies = new Set(messages.map((m) => m.body));
      const acked = ok.filter((r) => r.meetingPointId === pair.meetingPointId).map((r) => r.body);
      expect(
        acked.filter((b) => !bodies.has(b)),
        "acknowledged but missing",
      ).toEqual([]);
    }
  }, 60_000);
});
