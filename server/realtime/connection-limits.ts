// Bounds on what anonymous clients can make one node do: how many visitor connections one address holds, and how
// many events one connection may send. Visitor tokens are free, so limits per user alone are defeated by minting
// identities; these count per address and per connection instead.

/** Concurrent visitor connections per client address on this node. */
export class ConnectionsPerAddress {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Whether one more connection from `address` may be accepted (0 or less: no limit). */
  admits(address: string): boolean {
    return this.max <= 0 || (this.open.get(address) ?? 0) < this.max;
  }

  connected(address: string): void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  disconnected(address: string): void {
    const left = (this.open.get(address) ?? 1) - 1;
    if (left > 0) this.open.set(address, left);
    else this.open.delete(address);
  }
}

export type BudgetVerdict = "ok" | "refused" | "abusive";

/**
 * Events one connection may send per window. Past the budget each event is refused; a connection that keeps
 * sending at three times the budget is dropped (a client that ignores refusals is not a browser in trouble).
 */
export function eventBudget(limit: number, windowMs: number, now: () => number = Date.now): () => BudgetVerdict {
  let windowStart = now();
  let spent = 0;
  return () => {
    if (limit <= 0) return "ok";
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      spent = 0;
    }
    spent++;
    if (spent <= limit) return "ok";
    return spent > 3 * limit ? "abusive" : "refused";
  };
}
