// Visitor identities are free, so limits per user alone are defeated by minting tokens. Limits per client address
// (the reverse proxy's right-most X-Forwarded-For hop when TRUST_PROXY is set, never the forgeable left-most one):
// visitor tokens issued, visitor connections held, tickets opened; and every connection has an event budget.
import { connect } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientIp } from "@/lib/security/client-ip";
import { memoryRateLimitStore } from "@/lib/security/rate-limit-store";
import { POST as issueVisitorSession } from "@/app/api/visitor/session/route";
import { CLIENT_IP_HEADER } from "@/server/platform/auth/next-auth-options";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { registerServices, type Services } from "@/server/service-registry";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

describe("the client's address", () => {
  it("is the socket's address, or behind a trusted proxy the right-most X-Forwarded-For hop", () => {
    expect(clientIp({ remoteAddress: "::ffff:10.0.0.7", trustProxy: false })).toBe("10.0.0.7");
    // Not behind a proxy: the header is the client's own words.
    expect(clientIp({ forwardedFor: "1.2.3.4", remoteAddress: "10.0.0.7", trustProxy: false })).toBe("10.0.0.7");
    // Behind one: the proxy appended what it saw; "6.6.6.6" was sent by the client to pass for someone else.
    expect(clientIp({ forwardedFor: "6.6.6.6, 203.0.113.9", remoteAddress: "10.0.0.1", trustProxy: true })).toBe("203.0.113.9");
    expect(clientIp({ forwardedFor: ["6.6.6.6", "203.0.113.9"], remoteAddress: "10.0.0.1", trustProxy: true })).toBe("203.0.113.9");
    expect(clientIp({ forwardedFor: " , ", remoteAddress: "10.0.0.1", trustProxy: true })).toBe("10.0.0.1");
  });
});

describe("visitor sessions per address", () => {
  afterEach(() => registerServices(undefined));

  it("issues RATE_LIMIT_VISITOR_TOKENS per address and window, then 429 with Retry-After; other addresses go on", async () => {
    registerServices({
      env: { RATE_LIMIT_VISITOR_TOKENS: 3 },
      visitorTokens: new VisitorTokens("t".repeat(48), 600),
      visitorTokenIssue: memoryRateLimitStore(600_000),
      logger: { error() {}, warn() {}, info() {}, debug() {} },
    } as unknown as Services);
    const post = (ip: string) =>
      issueVisitorSession(
        new Request("http://desk.test/api/visitor/session", {
          method: "POST",
          headers: { "content-type": "application/json", [CLIENT_IP_HEADER]: ip },
          body: "{}",
        }),
        { params: Promise.resolve({}) } as never,
      );
    for (let i = 0; i < 3; i++) expect((await post("198.51.100.1")).status).toBe(201);
    const refused = await post("198.51.100.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: "RATE_LIMITED" });
    expect((await post("198.51.100.2")).status).toBe(201);
  });
});

describe("sockets per address", () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack({
      socket: { visitorConnectionsPerIp: 3, trustProxy: true },
      rateLimits: { ipRateLimits: { "ticket:open": { limit: 4, windowMs: 60_000 } }, eventBudget: { limit: 30, windowMs: 10_000 } },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** A visitor socket with a fresh identity, arriving through the proxy from `ip`. */
  function visitorFrom(ip: string) {
    const token = stack.tokens.issue({}).token;
    const socket = connect(stack.url, {
      transports: ["websocket"],
      reconnection: false,
      auth: { visitorToken: token },
      extraHeaders: { "x-forwarded-for": `9.9.9.9, ${ip}` },
    });
    const outcome = new Promise<{ connected: boolean; code?: string }>((resolve) => {
      socket.once("connect", () => resolve({ connected: true }));
      socket.once("connect_error", (e: Error & { data?: { code?: string } }) => resolve({ connected: false, code: e.data?.code }));
    });
    return { socket, outcome };
  }

  it("holds MAX_VISITOR_CONNECTIONS_PER_IP visitor connections per address; a closed one frees its place", async () => {
    const held = [visitorFrom("203.0.113.5"), visitorFrom("203.0.113.5"), visitorFrom("203.0.113.5")];
    for (const v of held) expect(await v.outcome).toEqual({ connected: true });
    const fourth = visitorFrom("203.0.113.5");
    expect(await fourth.outcome).toEqual({ connected: false, code: "RATE_LIMITED" });
    // The forged left-most hop is the same for everyone here: the limit follows the proxy's entry.
    const elsewhere = visitorFrom("203.0.113.6");
    expect(await elsewhere.outcome).toEqual({ connected: true });
    held[0]!.socket.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    const again = visitorFrom("203.0.113.5");
    expect(await again.outcome).toEqual({ connected: true });
    for (const v of [...held, fourth, elsewhere, again]) v.socket.disconnect();
    // Agents are not counted: a call centre behind one address signs in many.
    const agents = await Promise.all(["agent1", "agent2", "admin", "agent1"].map((u) => stack.agent(u as "agent1")));
    for (const a of agents) a.close();
  });

  it("tickets opened per address: new identities from one address share one limit", async () => {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const v = visitorFrom("203.0.113.20");
      expect(await v.outcome).toEqual({ connected: true });
      const reply = (await v.socket.timeout(5000).emitWithAck("ticket:open", { name: `Flood ${i}` })) as { ok: boolean; code?: string };
      answers.push(reply.ok ? "ok" : reply.code!);
      v.socket.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(answers).toEqual(["ok", "ok", "ok", "ok", "RATE_LIMITED", "RATE_LIMITED"]);
  });

  it("a connection past its event budget is refused, and dropped when it keeps going", async () => {
    const v = visitorFrom("203.0.113.30");
    expect(await v.outcome).toEqual({ connected: true });
    const replies = await Promise.all(
      Array.from({ length: 40 }, () =>
        v.socket
          .timeout(5000)
          .emitWithAck("session:whoami", {})
          .catch(() => ({ ok: false, code: "TIMEOUT" })),
      ),
    );
    const codes = replies.map((r) => ((r as { ok: boolean }).ok ? "ok" : (r as { code: string }).code));
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(10);
    const dropped = new Promise<string>((resolve) => v.socket.once("disconnect", (reason) => resolve(reason)));
    for (let i = 0; i < 80; i++) v.socket.emit("session:whoami", {}, () => {});
    expect(await dropped).toBe("io server disconnect");
  });
});
