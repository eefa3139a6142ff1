// Sliding-window counter of failures per key (e.g. per IP and per username for logins).
// In memory, per node: good enough to slow down guessing; a shared store belongs to the multi-node work.

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the oldest counted failure leaves the window (0 when allowed). */
  retryAfterSeconds: number;
}

// Past this many keys, recording a failure first drops the expired ones, so guessing from many IPs or
// usernames cannot grow the map without bound.
const SWEEP_THRESHOLD = 10_000;

export class FailureRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  check(key: string, limit: number): RateLimitDecision {
    const recent = this.recent(key);
    if (recent.length < limit) return { allowed: true, retryAfterSeconds: 0 };
    const oldest = recent[recent.length - limit]!;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000)) };
  }

  recordFailure(key: string): void {
    if (this.failures.size >= SWEEP_THRESHOLD) this.sweep();
    const recent = this.recent(key);
    recent.push(this.now());
    this.failures.set(key, recent);
  }

  /**
   * Counts one event for `key` if fewer than `limit` are in the window, for limits on every use
   * (not only failures), e.g. chat messages per user. A refused attempt is not counted, so a client
   * that keeps retrying is let through again once the window moves on.
   */
  take(key: string, limit: number): RateLimitDecision {
    const decision = this.check(key, limit);
    if (decision.allowed) this.recordFailure(key);
    return decision;
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  /** Drops expired entries (also done automatically once many keys are held). */
  sweep(): void {
    for (const key of this.failures.keys()) {
      if (this.recent(key).length === 0) this.failures.delete(key);
    }
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}
