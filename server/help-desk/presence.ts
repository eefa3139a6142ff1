// Who is connected, across every app node. Each node counts its own connections; nodes tell each other who
// came and went through a PresenceLink (Socket.IO's server-side emit over the Redis adapter), and repeat
// their full list on a heartbeat so a node that died silently is forgotten. A user whose last connection
// drops is given a grace period to come back (page reload, network blip, their node dying and the client
// reconnecting to another one) before they are treated as gone.
export interface PresenceMessage {
  node: string;
  /** Users connected to `node` now: replaces what was known of it (heartbeat, answer to hello). */
  full?: string[];
  online?: string[];
  offline?: string[];
  /** A node that just started asks the others for their full lists. */
  hello?: boolean;
}

export interface PresenceLink {
  publish(message: PresenceMessage): void;
  subscribe(handler: (message: PresenceMessage) => void): void;
}

export interface PresenceOptions {
  graceMs: number;
  onGone: (userId: string) => void;
  /** This node's name in the cluster. */
  node?: string;
  heartbeatMs?: number;
}

interface RemoteNode {
  users: Set<string>;
  seenAt: number;
}

export class Presence {
  private readonly connections = new Map<string, number>();
  private readonly pendingGone = new Map<string, NodeJS.Timeout>();
  private readonly remote = new Map<string, RemoteNode>();
  private link?: PresenceLink;
  private heartbeat?: NodeJS.Timeout;
  readonly node: string;

  constructor(private readonly options: PresenceOptions) {
    this.node = options.node ?? `node-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Joins the cluster: from now on other nodes' users count as online here, and ours there. */
  attach(link: PresenceLink): void {
    this.link = link;
    link.subscribe((m) => this.receive(m));
    link.publish({ node: this.node, hello: true, full: [...this.connections.keys()] });
    const every = this.options.heartbeatMs ?? 5000;
    this.heartbeat = setInterval(() => {
      link.publish({ node: this.node, full: [...this.connections.keys()] });
      this.forgetSilentNodes(Date.now() - 3 * every);
    }, every);
    this.heartbeat.unref();
  }

  /** Returns true when this is the user's first connection on this node (or a return within the grace period). */
  connected(userId: string): boolean {
    this.cancelGone(userId);
    const count = (this.connections.get(userId) ?? 0) + 1;
    this.connections.set(userId, count);
    if (count === 1) this.link?.publish({ node: this.node, online: [userId] });
    return count === 1;
  }

  disconnected(userId: string): void {
    const count = (this.connections.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.connections.set(userId, count);
      return;
    }
    this.connections.delete(userId);
    this.link?.publish({ node: this.node, offline: [userId] });
    this.startGrace(userId);
  }

  isOnline(userId: string): boolean {
    return this.connections.has(userId) || this.pendingGone.has(userId) || this.onlineElsewhere(userId);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const timer of this.pendingGone.values()) clearTimeout(timer);
    this.pendingGone.clear();
  }

  private receive(m: PresenceMessage): void {
    if (m.node === this.node) return;
    const known = this.remote.get(m.node) ?? { users: new Set<string>(), seenAt: 0 };
    known.seenAt = Date.now();
    this.remote.set(m.node, known);
    if (m.full) known.users = new Set(m.full);
    for (const u of m.online ?? []) {
      known.users.add(u);
      // Back on another node within the grace period: not gone.
      this.cancelGone(u);
    }
    for (const u of m.offline ?? []) known.users.delete(u);
    if (m.hello) this.link?.publish({ node: this.node, full: [...this.connections.keys()] });
  }

  /**
   * A node that stopped talking died with its connections. Its users get a grace period here, so that a
   * client that does not come back is still treated as gone; only the first surviving node (by name) takes
   * that on, so the departure is handled once.
   */
  private forgetSilentNodes(before: number): void {
    for (const [node, known] of this.remote) {
      if (known.seenAt >= before) continue;
      this.remote.delete(node);
      const alive = [this.node, ...this.remote.keys()].sort();
      if (alive[0] !== this.node) continue;
      for (const u of known.users) if (!this.isOnline(u)) this.startGrace(u);
    }
  }

  private startGrace(userId: string): void {
    this.cancelGone(userId);
    const timer = setTimeout(() => {
      this.pendingGone.delete(userId);
      if (this.connections.has(userId) || this.onlineElsewhere(userId)) return;
      this.options.onGone(userId);
    }, this.options.graceMs);
    timer.unref();
    this.pendingGone.set(userId, timer);
  }

  private cancelGone(userId: string): void {
    const timer = this.pendingGone.get(userId);
    if (!timer) return;
    clearTimeout(timer);
    this.pendingGone.delete(userId);
  }

  private onlineElsewhere(userId: string): boolean {
    for (const known of this.remote.values()) if (known.users.has(userId)) return true;
    return false;
  }
}
