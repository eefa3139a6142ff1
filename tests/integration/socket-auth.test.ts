// Socket.IO handshake authentication over a real HTTP server and a real socket.io-client.
import { encode } from "next-auth/jwt";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

describe("socket authentication", () => {
  let stack: RealtimeStack;
  let url: string;
  let tokens: VisitorTokens;
  const sockets: Socket[] = [];

  let alice: { id: string };
  beforeAll(async () => {
    stack = await startRealtimeStack();
    url = stack.url;
    tokens = stack.tokens;
    alice = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await stack?.close();
  });

  function open(opts: { auth?: Record<string, unknown>; cookie?: string; origin?: string }): Socket {
    const socket = connect(url, {
      transports: ["websocket"],
      reconnection: false,
      auth: opts.auth ?? {},
      extraHeaders: {
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.origin ? { origin: opts.origin } : {}),
      },
    });
    sockets.push(socket);
    return socket;
  }

  function outcome(socket: Socket): Promise<{ connected: true } | { connected: false; data: unknown }> {
    return new Promise((resolve) => {
      socket.once("connect", () => resolve({ connected: true }));
      socket.once("connect_error", (err) => resolve({ connected: false, data: (err as Error & { data?: unknown }).data }));
    });
  }

  async function whoami(socket: Socket) {
    return socket.timeout(2000).emitWithAck("session:whoami", {});
  }

  it("refuses a connection with no credentials", async () => {
    const result = await outcome(open({}));
    expect(result).toMatchObject({ connected: false, data: { code: "UNAUTHENTICATED" } });
  });

  it("accepts a visitor with a valid token and knows who it is from the token only", async () => {
    const { token, claims } = tokens.issue({ name: "Vera" });
    const socket = open({ auth: { visitorToken: token, visitorId: "someone-else" } });
    expect(await outcome(socket)).toEqual({ connected: true });
    expect(await whoami(socket)).toEqual({ ok: true, identity: { kind: "visitor", id: claims.sub, name: "Vera" } });
  });

  it("refuses a forged and an expired visitor token", async () => {
    const forged = new VisitorTokens("f".repeat(48), 60).issue().token;
    expect(await outcome(open({ auth: { visitorToken: forged } }))).toMatchObject({ connected: false, data: { code: "UNAUTHENTICATED" } });
    const expired = new VisitorTokens(SECRET, 60, () => Date.now() - 3_600_000).issue().token;
    const result = await outcome(open({ auth: { visitorToken: expired } }));
    expect(result).toMatchObject({ connected: false, data: { code: "UNAUTHENTICATED", message: expect.stringContaining("EXPIRED") } });
  });

  it("accepts an agent by the next-auth session cookie", async () => {
    const jwt = await encode({ secret: SECRET, token: { sub: alice.id, name: "Alice Agent", username: "agent1", role: "agent" } });
    const socket = open({ cookie: `other=1; next-auth.session-token=${jwt}` });
    expect(await outcome(socket)).toEqual({ connected: true });
    expect(await whoami(socket)).toEqual({
      ok: true,
      identity: { kind: "agent", id: alice.id, username: "agent1", name: "Alice Agent", role: "agent" },
    });
  });

  it("refuses a genuine cookie of an agent who does not exist (any more)", async () => {
    const jwt = await encode({ secret: SECRET, token: { sub: "0b6f3f4e-8a2d-4a53-9b3e-2f1c5d7e9a10", username: "ghost", role: "admin" } });
    expect(await outcome(open({ cookie: `next-auth.session-token=${jwt}` }))).toMatchObject({
      connected: false,
      data: { code: "UNAUTHENTICATED" },
    });
  });

  it("refuses a session cookie signed with another secret", async () => {
    const jwt = await encode({ secret: "o".repeat(48), token: { sub: "x", username: "agent1", role: "admin" } });
    expect(await outcome(open({ cookie: `next-auth.session-token=${jwt}` }))).toMatchObject({ connected: false });
  });

  // A page on another site (or a sibling host such as the marketing site that embeds the widget) opening a
  // socket gets the agent's ambient cookie sent along: it must not drive the agent's console.
  it("refuses an agent cookie sent from another origin, with a code", async () => {
    const jwt = await encode({ secret: SECRET, token: { sub: alice.id, name: "Alice", username: "agent1", role: "agent" } });
    for (const origin of ["https://evil.example", "https://www.desk.example", "null"]) {
      const result = await outcome(open({ cookie: `next-auth.session-token=${jwt}`, origin }));
      expect(result, origin).toMatchObject({ connected: false, data: { code: "FORBIDDEN" } });
    }
  });

  it("accepts an agent cookie from the site's own origin", async () => {
    const jwt = await encode({ secret: SECRET, token: { sub: alice.id, name: "Alice", username: "agent1", role: "agent" } });
    const socket = open({ cookie: `next-auth.session-token=${jwt}`, origin: new URL(url).origin });
    expect(await outcome(socket)).toEqual({ connected: true });
  });

  it("accepts a visitor token from any origin (the widget is embedded on other sites)", async () => {
    const token = tokens.issue({ name: "Vera" }).token;
    expect(await outcome(open({ auth: { visitorToken: token }, origin: "https://shop.example" }))).toEqual({ connected: true });
  });
});
