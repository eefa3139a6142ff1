// Presence across nodes, with the nodes joined by an in-memory bus standing in for the Redis adapter.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Presence, type PresenceLink, type PresenceMessage } from "@/server/help-desk/presence";

function bus() {
  const handlers = new Map<string, (m: PresenceMessage) => void>();
  let connected = true;
  return {
    link(node: string): PresenceLink {
      return {
        // Like serverSideEmit: every other node, never the sender.
        publish: (m) => {
          if (connected) for (const [n, h] of handlers) if (n !== node) h(m);
        },
        subscribe: (h) => void handlers.set(node, h),
      };
    },
    /** A node that dies sends nothing more and hears nothing more. */
    kill: (node: string) => handlers.delete(node),
    set connected(v: boolean) {
      connected = v;
    },
  };
}

function node(name: string, b: ReturnType<typeof bus>, gone: string[]) {
  const p = new Presence({ node: name, graceMs: 1000, heartbeatMs: 500, onGone: (u) => gone.push(`${name}:${u}`) });
  p.attach(b.link(name));
  return p;
}

describe("presence across nodes", () => {
  afterEach(() => vi.useRealTimers());

  it("a user connected to one node is online on every node, and offline everywhere after the grace period", () => {
    vi.useFakeTimers();
    const b = bus();
    const gone: string[] = [];
    const [a, c] = [node("a", b, gone), node("c", b, gone)];
    a.connected("visitor:1");
    expect(c.isOnline("visitor:1")).toBe(true);
    a.disconnected("visitor:1");
    expect(c.isOnline("visitor:1")).toBe(false); // only the node that lost the connection runs the grace period
    expect(a.isOnline("visitor:1")).toBe(true);
    vi.advanceTimersByTime(1001);
    expect(a.isOnline("visitor:1")).toBe(false);
    expect(gone).toEqual(["a:visitor:1"]);
  });

  it("moving to another node within the grace period is not a departure", () => {
    vi.useFakeTimers();
    const b = bus();
    const gone: string[] = [];
    const [a, c] = [node("a", b, gone), node("c", b, gone)];
    a.connected("visitor:1");
    a.disconnected("visitor:1");
    vi.advanceTimersByTime(400);
    c.connected("visitor:1");
    vi.advanceTimersByTime(5000);
    expect(gone).toEqual([]);
    expect(a.isOnline("visitor:1")).toBe(true);
  });

  it("a node that dies silently is forgotten; its users who do not come back leave once, handled by one survivor", () => {
    vi.useFakeTimers();
    const b = bus();
    const gone: string[] = [];
    const [a, c, d] = [node("a", b, gone), node("c", b, gone), node("d", b, gone)];
    a.connected("visitor:stays");
    a.connected("visitor:leaves");
    b.kill("a");
    a.close();
    vi.advanceTimersByTime(600);
    d.connected("visitor:stays"); // its client reconnected to another node
    expect(c.isOnline("visitor:leaves")).toBe(true); // not yet known to be dead
    vi.advanceTimersByTime(1500 + 1000 + 100); // three missed heartbeats, then the grace period
    expect(c.isOnline("visitor:leaves")).toBe(false);
    expect(d.isOnline("visitor:leaves")).toBe(false);
    expect(c.isOnline("visitor:stays")).toBe(true);
    expect(gone).toEqual(["c:visitor:leaves"]);
    c.close();
    d.close();
  });

  it("a node that starts late learns who is already connected elsewhere", () => {
    const b = bus();
    const gone: string[] = [];
    const a = node("a", b, gone);
    a.connected("agent:1");
    const late = node("late", b, gone);
    expect(late.isOnline("agent:1")).toBe(true);
    a.close();
    late.close();
  });
});
