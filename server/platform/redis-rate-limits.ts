// Rate-limit counters in Redis, shared by every app node: one sorted set of event times per key, trimmed to
// the window and checked-and-added atomically in a Lua script. While Redis is unreachable each node falls
// back to its own memory counters, so limits keep applying (per node) rather than failing open.
import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { memoryRateLimitStore, type RateLimitStore, type RateLimitStoreFactory } from "@/lib/security/rate-limit-store";
import type { RateLimitDecision } from "@/lib/security/rate-limiter";
import type { Logger } from "@/server/platform/logger";

// KEYS[1] = key; ARGV = now ms, window ms, limit (0 = record without checking), member, add (1/0).
// Returns { allowed 0/1, ms until the oldest counted event leaves the window }.
const SCRIPT = `
local now, window, limit, add = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[5] == '1'
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if limit > 0 and count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return { 0, tonumber(oldest[2]) + window - now }
end
if add then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
return { 1, 0 }`;

export interface RedisRateLimits {
  factory: RateLimitStoreFactory;
  close(): Promise<void>;
}

export async function connectRedisRateLimits(url: string, logger: Logger, prefix = "vhd:rl"): Promise<RedisRateLimits> {
  // Commands fail at once while disconnected (no offline queue), so a request never waits on a Redis outage.
  const client = createClient({ url, disableOfflineQueue: true });
  client.on("error", (err: Error) => logger.warn({ err: err.message }, "redis (rate limits) connection error"));
  await client.connect();

  const factory: RateLimitStoreFactory = (name, windowMs) => {
    const fallback = memoryRateLimitStore(windowMs);
    const run = async (key: string, limit: number, add: boolean, orElse: () => Promise<RateLimitDecision>): Promise<RateLimitDecision> => {
      try {
        const [allowed, waitMs] = (await client.eval(SCRIPT, {
          keys: [`${prefix}:${name}:${key}`],
          arguments: [String(Date.now()), String(windowMs), String(limit), randomUUID(), add ? "1" : "0"],
        })) as [number, number];
        return allowed === 1
          ? { allowed: true, retryAfterSeconds: 0 }
          : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
      } catch (err) {
        logger.warn({ err: (err as Error).message, limit: name }, "rate limit store unavailable; counting in memory");
        return orElse();
      }
    };
    const store: RateLimitStore = {
      check: (key, limit) => run(key, limit, false, () => fallback.check(key, limit)),
      take: (key, limit) => run(key, limit, true, () => fallback.take(key, limit)),
      record: async (key) =>
        void (await run(key, 0, true, async () => {
          await fallback.record(key);
          return { allowed: true, retryAfterSeconds: 0 };
        })),
      reset: async (key) => {
        await fallback.reset(key);
        await client.del(`${prefix}:${name}:${key}`).catch(() => undefined);
      },
    };
    return store;
  };
  return { factory, close: async () => void (await client.quit().catch(() => undefined)) };
}
