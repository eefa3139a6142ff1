// Credentials at rest and in flight: passwords are stored as bcrypt hashes only (nowhere in the database in
// plain text), and both bearer credentials expire: the agent's session JWT after jwt.maxAge and the visitor
// token after VISITOR_TOKEN_TTL_SECONDS. A credential past its lifetime is refused by the socket handshake.
// Measured with the defaults: agent JWT 28 800 s (8 h), visitor token 7 200 s (2 h), WHIP publisher token 120 s.
import { decode, encode } from "next-auth/jwt";
import { io as connect } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { LoginService } from "@/server/platform/auth/login";
import { buildAuthOptions } from "@/server/platform/auth/next-auth-options";
import { verifyPassword } from "@/server/platform/auth/passwords";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { DEFAULT_PASSWORDS, seed } from "@/server/platform/database/seed";
import { SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

const CONFIGURED_PASSWORD = "a-configured-admin-password-4711";

describe(`credentials (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  const env = parseEnv({});

  beforeAll(async () => {
    stack = await startRealtimeStack();
    await seed(stack.db.prisma, { admin: CONFIGURED_PASSWORD });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Whether the socket handshake accepts these credentials (the server checks against the real clock). */
  function handshake(opts: { auth?: Record<string, unknown>; cookie?: string }): Promise<{ connected: boolean; data?: unknown }> {
    const socket = connect(stack.url, {
      transports: ["websocket"],
      reconnection: false,
      auth: opts.auth ?? {},
      extraHeaders: opts.cookie ? { cookie: opts.cookie } : undefined,
    });
    return new Promise((resolve) => {
      socket.once("connect", () => {
        socket.disconnect();
        resolve({ connected: true });
      });
      socket.once("connect_error", (err) => resolve({ connected: false, data: (err as Error & { data?: unknown }).data }));
    });
  }

  /** Runs `fn` with the clock `secondsAgo` in the past, as if it had happened then. */
  async function issuedAgo<T>(secondsAgo: number, fn: () => Promise<T> | T): Promise<T> {
    const then = Date.now() - secondsAgo * 1000;
    const spy = vi.spyOn(Date, "now").mockReturnValue(then);
    try {
      return await fn();
    } finally {
      spy.mockRestore();
    }
  }

  it("stores every seeded password as a bcrypt hash (cost 12) that verifies, and never the plain text", async () => {
    const agents = await stack.db.prisma.agent.findMany();
    const plain: Record<string, string> = { ...DEFAULT_PASSWORDS, admin: CONFIGURED_PASSWORD };
    expect(agents.map((a) => a.username).sort()).toEqual(["admin", "agent1", "agent2"]);
    for (const agent of agents) {
      expect(agent.passwordHash, agent.username).toMatch(/^\$2[aby]\$12\$[./A-Za-z0-9]{53}$/);
      expect(await verifyPassword(plain[agent.username]!, agent.passwordHash), agent.username).toBe(true);
      expect(await verifyPassword(`${plain[agent.username]}x`, agent.passwordHash)).toBe(false);
    }
    // Two accounts never share a hash (salted), even for equal inputs.
    expect(new Set(agents.map((a) => a.passwordHash)).size).toBe(agents.length);
  });

  it("no text column of any table holds a plain password", async () => {
    const columns = await stack.db.prisma.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json')`,
    );
    expect(columns.length).toBeGreaterThan(10);
    const secrets = [...Object.values(DEFAULT_PASSWORDS), CONFIGURED_PASSWORD];
    const hits: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const secret of secrets) {
        const rows = await stack.db.prisma.$queryRawUnsafe<{ n: bigint }[]>(
          `SELECT count(*) AS n FROM "${table_name}" WHERE "${column_name}"::text LIKE $1`,
          `%${secret}%`,
        );
        if (Number(rows[0]!.n) > 0) hits.push(`${table_name}.${column_name}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it("the agent JWT lives jwt.maxAge (8 h by default); past it the socket handshake refuses it", async () => {
    const options = buildAuthOptions({
      login: {} as LoginService,
      secret: SECRET,
      maxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
      secureCookies: false,
    });
    const maxAge = options.jwt!.maxAge!;
    expect(maxAge).toBe(8 * 3600);
    expect(options.session!.maxAge).toBe(maxAge);
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    const claims = { sub: agent.id, name: agent.displayName, username: agent.username, role: agent.role };
    // As next-auth's sign-in does: jwt.encode({ ...options.jwt, token }).
    const mint = () => encode({ ...options.jwt, secret: SECRET, token: claims });

    const fresh = await mint();
    const decoded = await decode({ secret: SECRET, token: fresh });
    expect(Number(decoded!.exp) - Number(decoded!.iat)).toBe(maxAge);

    const cookie = (jwt: string) => `next-auth.session-token=${jwt}`;
    expect(await handshake({ cookie: cookie(fresh) })).toEqual({ connected: true });
    // next-auth's decoder allows 15 s of clock skew; a minute either side of the lifetime is unambiguous.
    expect(await handshake({ cookie: cookie(await issuedAgo(maxAge - 60, mint)) })).toEqual({ connected: true });
    expect(await handshake({ cookie: cookie(await issuedAgo(maxAge + 60, mint)) })).toMatchObject({
      connected: false,
      data: { code: "UNAUTHENTICATED" },
    });
  });

  it("the visitor token lives VISITOR_TOKEN_TTL_SECONDS (2 h by default); past it the socket handshake refuses it", async () => {
    const ttl = env.VISITOR_TOKEN_TTL_SECONDS;
    expect(ttl).toBe(2 * 3600);
    const issuer = new VisitorTokens(SECRET, ttl);
    const { token, claims } = issuer.issue({ name: "Vera" });
    expect(claims.exp - claims.iat).toBe(ttl);
    expect(await handshake({ auth: { visitorToken: token } })).toEqual({ connected: true });
    // VisitorTokens reads its own clock (bound at construction): an issuer living `seconds` in the past.
    const older = (seconds: number) => new VisitorTokens(SECRET, ttl, () => Date.now() - seconds * 1000).issue().token;
    expect(await handshake({ auth: { visitorToken: older(ttl - 60) } })).toEqual({ connected: true });
    expect(await handshake({ auth: { visitorToken: older(ttl + 1) } })).toMatchObject({
      connected: false,
      data: { code: "UNAUTHENTICATED", message: expect.stringContaining("EXPIRED") },
    });
  });

  it("an expired visitor token cannot be revived by editing its expiry (the signature covers it)", async () => {
    const ttl = env.VISITOR_TOKEN_TTL_SECONDS;
    const old = new VisitorTokens(SECRET, ttl, () => Date.now() - (ttl + 60) * 1000).issue().token;
    expect(await handshake({ auth: { visitorToken: old } })).toMatchObject({
      connected: false,
      data: { message: expect.stringContaining("EXPIRED") },
    });
    const [version, body, signature] = old.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const extended = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString("base64url");
    expect(await handshake({ auth: { visitorToken: `${version}.${extended}.${signature}` } })).toMatchObject({
      connected: false,
      data: { code: "UNAUTHENTICATED", message: expect.stringContaining("BAD_SIGNATURE") },
    });
  });

  // Credentials are not only checked at the handshake: the connection closes when its credential expires.
  it("a socket whose visitor token has expired since the handshake is no longer served", async () => {
    const { token, claims } = new VisitorTokens(SECRET, 2).issue({ name: "Lingering" });
    const visitor = await stack.visitor({ token });
    expect(await visitor.ok("session:whoami", {})).toMatchObject({ identity: { kind: "visitor" } });
    const closed = new Promise<string>((resolve) => visitor.socket.once("disconnect", resolve));
    // Waiting for wall-clock time to pass the token's expiry is the point here, not a synchronization.
    await new Promise((resolve) => setTimeout(resolve, claims.exp * 1000 - Date.now() + 200));
    expect(stack.tokens.verify(token)).toEqual({ ok: false, error: "EXPIRED" });
    expect(await closed).toBe("transport close");
    const reply = await visitor.socket
      .timeout(1000)
      .emitWithAck("ticket:open", {})
      .catch(() => ({ ok: false, code: "DISCONNECTED" }));
    expect(reply).toMatchObject({ ok: false });
  });

  it("a visitor renews its token on the open connection and keeps being served past the first expiry", async () => {
    const { token, claims } = new VisitorTokens(SECRET, 2).issue({ name: "Renewing" });
    const visitor = await stack.visitor({ token });
    const renewed = await visitor.ok("session:renew", {});
    expect(stack.tokens.verify(renewed.visitorToken)).toMatchObject({ ok: true, claims: { sub: claims.sub, name: "Renewing" } });
    await new Promise((resolve) => setTimeout(resolve, claims.exp * 1000 - Date.now() + 300));
    expect(visitor.socket.connected).toBe(true);
    expect(await visitor.ok("session:whoami", {})).toMatchObject({ identity: { kind: "visitor", id: claims.sub } });
  });

  it("a WHIP publisher credential from recording:publish expires within 2 minutes", async () => {
    const host = await stack.agent("agent1");
    const mp = (await host.ok("mp:create", { title: "Short-lived" })).meetingPoint;
    await host.ok("mp:host", { meetingPointId: mp.id });
    await host.ok("recording:start", { meetingPointId: mp.id });
    const before = Date.now();
    const credential = await host.ok("recording:publish", { meetingPointId: mp.id, source: "camera" });
    const lifetime = (Date.parse(credential.expiresAt) - before) / 1000;
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(121);
    await host.ok("recording:stop", { meetingPointId: mp.id });
  });
});
