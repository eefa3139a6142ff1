import { describe, expect, it } from "vitest";
import { FailureRateLimiter } from "@/lib/security/rate-limiter";

describe("FailureRateLimiter", () => {
  it("allows up to the limit of failures in the window, then refuses with a retry time", () => {
    let now = 1_000_000;
    const limiter = new FailureRateLimiter(60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.check("k", 3).allowed).toBe(true);
      limiter.recordFailure("k");
      now += 1000;
    }
    const refused = limiter.check("k", 3);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(57);
    expect(limiter.check("other", 3).allowed).toBe(true);
  });

  it("forgets failures once they leave the window", () => {
    let now = 0;
    const limiter = new FailureRateLimiter(10_000, () => now);
    limiter.recordFailure("k");
    limiter.recordFailure("k");
    expect(limiter.check("k", 2).allowed).toBe(false);
    now = 10_001;
    expect(limiter.check("k", 2).allowed).toBe(true);
  });

  it("reset clears a key and sweep drops idle keys", () => {
    let now = 0;
    const limiter = new FailureRateLimiter(1000, () => now);
    limiter.recordFailure("a");
    limiter.reset("a");
    expect(limiter.check("a", 1).allowed).toBe(true);
    limiter.recordFailure("b");
    now = 5000;
    limiter.sweep();
    expect((limiter as unknown as { failures: Map<string, number[]> }).failures.size).toBe(0);
  });

  it("bounds its memory: once many keys are held, expired ones are dropped on the next failure", () => {
    let now = 0;
    const limiter = new FailureRateLimiter(1000, () => now);
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`ip:${i}`);
    now = 5000;
    limiter.recordFailure("ip:new");
    expect((limiter as unknown as { failures: Map<string, number[]> }).failures.size).toBe(1);
  });
});
