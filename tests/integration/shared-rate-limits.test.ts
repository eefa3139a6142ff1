// Rate limits shared by every app node through Redis: a client spread over two nodes gets the limit once,
// not once per node; while Redis is unreachable each node still limits from its own memory.
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedisRateLimits, type RedisRateLimits } from "@/server/platform/redis-rate-limits";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger } from "@/tests/support/test-database";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const probe = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
probe.on("error", () => undefined);
const haveRedis = await probe.connect().then(
  () => probe.quit().then(() => true),
  () => false,
);

describe.skipIf(!haveRedis)("rate limits shared through Redis", () => {
  const prefix = `vhd-test-rl-${randomBytes(4).toString("hex")}`;
  let limitsA: RedisRateLimits;
  let limitsB: RedisRateLimits;
  let nodeA: RealtimeStack;
  let nodeB: RealtimeStack;

  beforeAll(async () => {
    [limitsA, limitsB] = await Promise.all([
      connectRedisRateLimits(REDIS_URL, silentLogger, prefix),
      connectRedisRateLimits(REDIS_URL, silentLogger, prefix),
    ]);
    const redis = { url: REDIS_URL, key: prefix };
    const rule = { "ticket:open": { limit: 3, windowMs: 60_000 } };
    nodeA = await startRealtimeStack({ redis, rateLimits: { rateLimits: rule, store: limitsA.factory } });
    nodeB = await startRealtimeStack({ redis, sharedDb: nodeA.db, rateLimits: { rateLimits: rule, store: limitsB.factory } });
  });
  afterAll(async () => {
    await nodeB?.close();
    await nodeA?.close();
    await limitsA?.close();
    await limitsB?.close();
  });

  it("one visitor on two nodes gets the ticket limit once", async () => {
    const onA = await nodeA.visitor({ name: "Rita Rate" });
    const onB = await nodeB.visitor({ token: onA.token });
    const codes: string[] = [];
    for (const client of [onA, onB, onA, onB]) {
      const reply = await client.request("ticket:open", { skill: "general" });
      codes.push(reply.ok ? "ok" : reply.code);
    }
    // The first opens the ticket, the next two are refused as duplicates but still counted; the fourth is limited.
    expect(codes[0]).toBe("ok");
    expect(codes.slice(1, 3)).not.toContain("RATE_LIMITED");
    expect(codes[3]).toBe("RATE_LIMITED");
    // Another visitor is not affected.
    const other = await nodeB.visitor({ name: "Otto Other" });
    expect((await other.request("ticket:open", { skill: "general" })).ok).toBe(true);
  });

  it("counts are shared and expire with the window; with Redis gone a node falls back to memory", async () => {
    const a = limitsA.factory("login-test", 400);
    const b = limitsB.factory("login-test", 400);
    await a.record("user:x");
    await b.record("user:x");
    expect((await a.check("user:x", 2)).allowed).toBe(false);
    expect((await b.check("user:x", 3)).allowed).toBe(true);
    await new Promise((r) => setTimeout(r, 450));
    expect((await a.check("user:x", 2)).allowed).toBe(true);

    const lonely = await connectRedisRateLimits(REDIS_URL, silentLogger, prefix);
    const store = lonely.factory("fallback", 60_000);
    await lonely.close();
    expect((await store.take("k", 2)).allowed).toBe(true);
    expect((await store.take("k", 2)).allowed).toBe(true);
    expect((await store.take("k", 2)).allowed).toBe(false);
  });
});
