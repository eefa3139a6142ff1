// Who is connected, per node, in memory. A user whose last connection drops is given a grace period
// to come back (page reload, network blip) before they are treated as gone.
export interface PresenceOptions {
  graceMs: number;
  onGone: (userId: string) => void;
}

export class Presence {
  private readonly connections = new Map<string, number>();
  private readonly pendingGone = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: PresenceOptions) {}

  /** Returns true when this is the user's first connection (or a return within the grace period). */
  connected(userId: string): boolean {
    const timer = this.pendingGone.get(userId);
    if (timer) {
      clearTimeout(timer);
      this.pendingGone.delete(userId);
    }
    const count = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, count);
    return count === 1;
  }

  disconnected(userId: string): void {
    const count = (this.connections.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.connections.set(userId, count);
      return;
    }
    this.connections.delete(userId);
    const timer = setTimeout(() => {
      this.pendingGone.delete(userId);
      this.options.onGone(userId);
    }, this.options.graceMs);
    timer.unref();
    this.pendingGone.set(userId, timer);
  }

  isOnline(userId: string): boolean {
    return this.connections.has(userId) || this.pendingGone.has(userId);
  }

  close(): void {
    for (const timer of this.pendingGone.values()) clearTimeout(timer);
    this.pendingGone.clear();
  }
}
