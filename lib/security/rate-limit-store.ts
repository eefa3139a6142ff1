// Rate limits as the app uses them: asynchronous, so that the counters can live in a store shared by every
// app node (Redis) instead of each node's memory, where a client spread over N nodes would get N times the limit.
import { FailureRateLimiter, type RateLimitDecision } from "@/lib/security/rate-limiter";

export interface RateLimitStore {
  /** Would one more event for `key` be allowed (without counting one)? */
  check(key: string, limit: number): Promise<RateLimitDecision>;
  /** Counts one event (e.g. a failed login). */
  record(key: string): Promise<void>;
  /** Counts one event only if allowed: check and record in one step. */
  take(key: string, limit: number): Promise<RateLimitDecision>;
  reset(key: string): Promise<void>;
}

/** Makes the store of one limit (its own window) under a name. */
export type RateLimitStoreFactory = (name: string, windowMs: number) => RateLimitStore;

export function memoryRateLimitStore(windowMs: number, now?: () => number): RateLimitStore {
  const limiter = new FailureRateLimiter(windowMs, now);
  return {
    check: async (key, limit) => limiter.check(key, limit),
    record: async (key) => limiter.recordFailure(key),
    take: async (key, limit) => limiter.take(key, limit),
    reset: async (key) => limiter.reset(key),
  };
}

export const memoryRateLimits: RateLimitStoreFactory = (_name, windowMs) => memoryRateLimitStore(windowMs);
