// Authorization matrix over every HTTP route under app/api and every role, against the production server.
// The table is checked against the route files on disk, so a new route or method without a row fails.
// Roles: anonymous (no cookie), a visitor (its token as bearer and in the cookie's place), agent2 (not the
// host), agent1 (the host), a supervisor, admin, and agent1's own session sent with another site's Origin (CSRF).
import { createHash, createPublicKey, randomUUID, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIResponse } from "@playwright/test";
import { decode, encode } from "next-auth/jwt";
import {
  call,
  makeActors,
  REST_ROLES,
  routesOnDisk,
  setUp,
  type Actors,
  type RestRole,
  type Setup,
  type Target,
} from "@/tests/support/e2e/authz-fixtures";
import { appMediaSecret, liveObjectPath, mediaLinkPath } from "@/server/recordings/media-link";

interface RestRow {
  setup: Setup;
  /** A fresh setup for each role allowed to call (the call changes or destroys it); otherwise one per row. */
  fresh?: boolean;
  url: (t: Target) => string;
  data?: unknown;
  expect: Record<RestRole, number>;
  /** Runs after every call: e.g. a refused call left the host's state unchanged. */
  check?: (ctx: { res: APIResponse; role: RestRole; t: Target; actors: Actors; allowed: boolean }) => Promise<void>;
}

const agentsOnly = { anonymous: 401, visitor: 401, agent2: 200, agent1: 200, supervisor: 200, admin: 200, agent1Cross: 403 };
// Recordings (RECORDINGS_VISIBLE_TO=handled): the agent who handled it and supervisors/admins; to another agent
// it does not exist.
const handlersOnly = { ...agentsOnly, agent2: 404 };
const hostOnly = (ok: number) => ({ anonymous: 401, visitor: 401, agent2: 403, agent1: ok, supervisor: 403, admin: 403, agent1Cross: 403 });
const adminOnly = (ok: number) => ({
  anonymous: 401,
  visitor: 401,
  agent2: 403,
  agent1: 403,
  supervisor: 403,
  admin: ok,
  agent1Cross: 403,
});
const supervisorsOnly = (ok: number) => ({ ...adminOnly(ok), supervisor: ok });
const RUN = Date.now().toString(36);
const everyone = (status: number) => Object.fromEntries(REST_ROLES.map((r) => [r, status])) as Record<RestRole, number>;
const mpUrl = (t: Target) => `/api/meeting-points/${t.meetingPointId}`;
const recUrl = (t: Target) => `/api/recordings/${t.recordingId}`;

async function staffAccount(actors: Actors, t: Target) {
  const { agents } = await (await call(actors, "admin", "GET", "/api/admin/agents")).json();
  return agents.find((a: { id: string }) => a.id === t.agentId);
}

async function hostView(actors: Actors, t: Target) {
  return (await call(actors, "agent1", "GET", mpUrl(t))).json();
}
async function recordingAsHost(actors: Actors, t: Target) {
  return (await call(actors, "agent1", "GET", recUrl(t))).json();
}

const ROWS: Record<string, RestRow> = {
  // Staff accounts and skills: admins only, whatever else the caller may do.
  "GET /api/admin/agents": { setup: "none", url: () => "/api/admin/agents", expect: adminOnly(200) },
  "POST /api/admin/agents": {
    setup: "none",
    url: () => "/api/admin/agents",
    data: { username: `matrix-${RUN}`, displayName: "Matrix Agent", password: "matrix-agent-pass", role: "admin" },
    expect: adminOnly(201),
  },
  "PATCH /api/admin/agents/[id]": {
    setup: "staff",
    fresh: true,
    url: (t) => `/api/admin/agents/${t.agentId}`,
    data: { role: "admin", active: false },
    expect: adminOnly(200),
    async check({ actors, t, allowed }) {
      expect(await staffAccount(actors, t)).toMatchObject(allowed ? { role: "admin", active: false } : { role: "agent", active: true });
    },
  },
  "PUT /api/admin/agents/[id]/password": {
    setup: "staff",
    url: (t) => `/api/admin/agents/${t.agentId}/password`,
    data: { password: "matrix-new-pass" },
    expect: adminOnly(200),
  },
  // The recordings' access trail: supervisors and admins read it per recording; admins export it.
  "GET /api/admin/access.csv": {
    setup: "none",
    url: () => "/api/admin/access.csv",
    expect: adminOnly(200),
    async check({ res, allowed }) {
      if (allowed) expect(res.headers()["content-type"]).toBe("text/csv; charset=utf-8");
    },
  },
  "GET /api/recordings/[id]/access": {
    setup: "finished",
    url: (t) => `/api/recordings/${t.recordingId}/access`,
    expect: supervisorsOnly(200),
    async check({ res, allowed }) {
      if (allowed) expect((await res.json()).entries).toEqual(expect.any(Array));
    },
  },
  "GET /api/admin/skills": { setup: "none", url: () => "/api/admin/skills", expect: adminOnly(200) },
  "POST /api/admin/skills": {
    setup: "none",
    url: () => "/api/admin/skills",
    data: { name: `matrix-${RUN}`, label: "Matrix skill" },
    expect: adminOnly(201),
  },
  "PATCH /api/admin/skills/[id]": {
    setup: "staff",
    url: (t) => `/api/admin/skills/${t.skillId}`,
    data: { label: "Renamed by the matrix" },
    expect: adminOnly(200),
  },
  // next-auth: the session endpoint says who the caller is; a visitor token is no agent session.
  "GET /api/auth/[...nextauth]": {
    setup: "none",
    url: () => "/api/auth/session",
    expect: everyone(200),
    async check({ res, role }) {
      const username = (await res.json())?.user?.username ?? null;
      const expected = role === "anonymous" || role === "visitor" ? null : role === "agent1Cross" ? "agent1" : role;
      expect(username).toBe(expected);
    },
  },
  // Signing in without next-auth's CSRF token is refused (redirect back to the form) and sets no session.
  "POST /api/auth/[...nextauth]": {
    setup: "none",
    url: () => "/api/auth/callback/credentials",
    data: { username: "agent1", password: "agent1-pass" },
    expect: everyone(302),
    async check({ res }) {
      expect(res.headers().location).toContain("csrf=true");
      expect(res.headersArray().filter((h) => h.name.toLowerCase() === "set-cookie" && h.value.includes("session-token="))).toEqual([]);
    },
  },
  "GET /api/health": { setup: "none", url: () => "/api/health", expect: everyone(200) },
  // The public half of the evidence signing key: public by nature; its id is the SHA-256 of its DER SPKI.
  "GET /api/evidence-key": {
    setup: "none",
    url: () => "/api/evidence-key",
    expect: everyone(200),
    async check({ res }) {
      const body = await res.json();
      expect(body).toMatchObject({ algorithm: "Ed25519", keyId: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const spki = createPublicKey(body.publicKeyPem).export({ type: "spki", format: "der" });
      expect(createHash("sha256").update(spki).digest("hex")).toBe(body.keyId);
    },
  },
  "POST /api/visitor/session": {
    setup: "none",
    url: () => "/api/visitor/session",
    data: {},
    // Public by design (no cookie, so nothing to forge): the server picks the visitor id.
    expect: everyone(201),
    async check({ res }) {
      expect((await res.json()).visitorId).toMatch(/^[0-9a-f-]{36}$/);
    },
  },
  "POST /api/meeting-points": {
    setup: "none",
    url: () => "/api/meeting-points",
    data: { title: "Matrix" },
    expect: { ...agentsOnly, agent2: 201, agent1: 201, supervisor: 201, admin: 201 },
  },
  "GET /api/meeting-points/[id]": { setup: "meetingPoint", url: mpUrl, expect: hostOnly(200) },
  "POST /api/meeting-points/[id]/recording": {
    setup: "live",
    fresh: true,
    url: (t) => `${mpUrl(t)}/recording`,
    data: {},
    expect: hostOnly(201),
    async check({ actors, t, allowed }) {
      expect((await hostView(actors, t)).recording?.status ?? null).toBe(allowed ? "recording" : null);
    },
  },
  "PATCH /api/meeting-points/[id]/recording": {
    setup: "recording",
    fresh: true,
    url: (t) => `${mpUrl(t)}/recording`,
    data: { action: "pause" },
    expect: hostOnly(200),
    async check({ actors, t, allowed }) {
      expect((await hostView(actors, t)).recording.status).toBe(allowed ? "paused" : "recording");
    },
  },
  "DELETE /api/meeting-points/[id]/recording": {
    setup: "recording",
    fresh: true,
    url: (t) => `${mpUrl(t)}/recording`,
    expect: hostOnly(200),
    async check({ actors, t, allowed }) {
      expect((await hostView(actors, t)).recording?.status ?? null).toBe(allowed ? null : "recording");
    },
  },
  "POST /api/meeting-points/[id]/recording/publishers": {
    setup: "recording",
    url: (t) => `${mpUrl(t)}/recording/publishers`,
    data: { name: "Lobby camera" },
    expect: hostOnly(201),
    async check({ res, allowed }) {
      if (allowed) expect((await res.json()).token).toMatch(/^wp1\./);
      else expect(await res.text()).not.toContain("wp1.");
    },
  },
  // Recordings: every agent, nobody else.
  "GET /api/recordings": {
    setup: "finished",
    url: () => "/api/recordings",
    expect: agentsOnly,
    async check({ res, t, allowed, role }) {
      // agent2 lists recordings too, but not agent1's.
      if (allowed && role !== "agent2") expect((await res.json()).recordings.map((r: { id: string }) => r.id)).toContain(t.recordingId);
      else expect(await res.text()).not.toContain(t.recordingId);
    },
  },
  "GET /api/recordings/[id]": { setup: "finished", url: recUrl, expect: handlersOnly },
  "PATCH /api/recordings/[id]": {
    setup: "finished",
    fresh: true,
    url: recUrl,
    data: { keep: true },
    expect: handlersOnly,
    async check({ actors, t, allowed }) {
      expect((await recordingAsHost(actors, t)).keep).toBe(allowed);
    },
  },
  "DELETE /api/recordings/[id]": {
    setup: "finished",
    fresh: true,
    url: recUrl,
    expect: handlersOnly,
    async check({ actors, t, allowed }) {
      expect((await recordingAsHost(actors, t)).status).toBe(allowed ? "deleted" : "ready");
    },
  },
  // Agents get a short-lived signed link to the movie (on this site: the embedded store); nobody else learns one.
  "GET /api/recordings/[id]/playback": {
    setup: "finished",
    url: (t) => `${recUrl(t)}/playback`,
    expect: { ...handlersOnly, agent1: 302, supervisor: 302, admin: 302 },
    async check({ res, allowed }) {
      const location = res.headers().location ?? "";
      if (allowed) expect(location).toMatch(/\/media\?expires=\d+&sig=/);
      else expect(location).toBe("");
      if (allowed) expect(res.headers().link).toMatch(/^<\/api\/recordings\/[^>]+\/chapters>; rel="chapters"/);
    },
  },
  // The movie's chapters (WebVTT), through the app with the movie's own authorization.
  "GET /api/recordings/[id]/chapters": {
    setup: "finished",
    url: (t) => `${recUrl(t)}/chapters`,
    expect: handlersOnly,
    async check({ res, allowed }) {
      if (!allowed) return;
      expect(res.headers()["content-type"]).toBe("text/vtt; charset=utf-8");
      expect(await res.text()).toMatch(/^WEBVTT\n/);
    },
  },
  // The recording's signed evidence records: the movie's own authorization. Written right after "ready", so an
  // allowed caller may need to ask again; the latest record's signature checks against the published key.
  "GET /api/recordings/[id]/evidence": {
    setup: "finished",
    url: (t) => `${recUrl(t)}/evidence`,
    expect: handlersOnly,
    async check({ res, role, t, actors, allowed }) {
      if (!allowed) return;
      expect(res.headers()["content-type"]).toMatch(/^application\/json/);
      let body = await res.json();
      await expect
        .poll(async () => (body = await (await call(actors, role, "GET", `${recUrl(t)}/evidence`)).json()).records.length, {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      const key = await (await call(actors, "anonymous", "GET", "/api/evidence-key")).json();
      const latest = body.records.at(-1);
      expect(latest).toMatchObject({
        keyId: key.keyId,
        record: { recordingId: t.recordingId, seq: latest.seq, prevHash: latest.prevHash },
      });
      expect(latest.record.objects.map((o: { key: string }) => o.key)).toContain(`recordings/${t.recordingId}/movie.mp4`);
      const signed = Buffer.from(latest.canonical, "utf8");
      expect(verify(null, signed, createPublicKey(key.publicKeyPem), Buffer.from(latest.signature, "base64"))).toBe(true);
    },
  },
  // The movie itself, through a valid signed link: still only for agents (a leaked link plays nothing).
  "GET /api/recordings/[id]/media": {
    setup: "finished",
    url: (t) => {
      const secret = readFileSync(path.join(process.env.E2E_DATA_DIR!, "auth-secret"), "utf8").trim();
      const expires = Math.floor(Date.now() / 1000) + 300;
      return mediaLinkPath(appMediaSecret(secret), { recordingId: t.recordingId!, download: false, expires });
    },
    expect: handlersOnly,
    async check({ res, allowed }) {
      if (allowed) expect(res.headers()["content-type"]).toBe("video/mp4");
    },
  },
  // The live (HLS) playlist of a recording: agents only; its links are signed like the movie's.
  "GET /api/recordings/[id]/live.m3u8": {
    setup: "finishedLive",
    url: (t) => `${recUrl(t)}/live.m3u8`,
    expect: handlersOnly,
    async check({ res, allowed }) {
      if (!allowed) return;
      expect(res.headers()["content-type"]).toBe("application/vnd.apple.mpegurl");
      expect(await res.text()).toMatch(/#EXT-X-MAP:URI="\/api\/recordings\/[^"]+\/live\/init\.mp4\?expires=\d+&sig=/);
    },
  },
  // One live segment through a valid signed link: still only for agents.
  "GET /api/recordings/[id]/live/[file]": {
    setup: "finishedLive",
    url: (t) => {
      const secret = readFileSync(path.join(process.env.E2E_DATA_DIR!, "auth-secret"), "utf8").trim();
      const expires = Math.floor(Date.now() / 1000) + 300;
      return liveObjectPath(appMediaSecret(secret), { recordingId: t.recordingId!, file: "init.mp4", expires });
    },
    expect: handlersOnly,
    async check({ res, allowed }) {
      if (allowed) expect(res.headers()["content-type"]).toBe("video/mp4");
    },
  },
};

const METHOD = (key: string) => key.split(" ")[0]!;

let actors: Actors;
const shared = new Map<string, Target>();

test.beforeAll(async ({ baseURL }) => {
  test.setTimeout(120_000);
  actors = await makeActors(baseURL!);
});

test("the table has a row for every route file and exported method under app/api", () => {
  expect(Object.keys(ROWS).sort()).toEqual(routesOnDisk());
  for (const row of Object.values(ROWS)) expect(Object.keys(row.expect).sort()).toEqual([...REST_ROLES].sort());
});

for (const [key, row] of Object.entries(ROWS)) {
  for (const role of REST_ROLES) {
    test(`${key} as ${role} -> ${row.expect[role]}`, async () => {
      test.setTimeout(240_000);
      // A call that may change its target gets its own; refused calls share one (and must leave it as it was).
      const changesIt = row.fresh && row.expect[role] < 400;
      let t = changesIt ? undefined : shared.get(row.setup);
      if (!t) {
        t = await setUp(actors, row.setup);
        if (!changesIt) shared.set(row.setup, t);
      }
      const method = METHOD(key);
      const res = await call(actors, role, method, row.url(t), row.data);
      expect(res.status(), `${method} ${row.url(t)}: ${await res.text()}`).toBe(row.expect[role]);
      if (res.status() >= 400) expect(await res.json()).toMatchObject({ ok: false, code: expect.any(String) });
      await row.check?.({ res, role, t, actors, allowed: res.status() < 400 });
    });
  }
}

test("other people's or unknown ids: unauthenticated callers learn nothing, agents get 404 for what does not exist", async () => {
  test.setTimeout(240_000);
  const t = shared.get("finished") ?? (await setUp(actors, "finished"));
  const unknown: Target = { meetingPointId: randomUUID(), recordingId: randomUUID() };
  const paths = [
    ["GET", mpUrl],
    ["POST", (x: Target) => `${mpUrl(x)}/recording`],
    ["GET", recUrl],
    ["GET", (x: Target) => `${recUrl(x)}/playback`],
    ["GET", (x: Target) => `${recUrl(x)}/evidence`],
  ] as const;
  for (const [method, url] of paths) {
    for (const role of ["anonymous", "visitor"] as const) {
      const real = await call(actors, role, method, url(t), method === "POST" ? {} : undefined);
      const fake = await call(actors, role, method, url(unknown), method === "POST" ? {} : undefined);
      expect([real.status(), fake.status()], `${role} ${method} ${url(unknown)}`).toEqual([401, 401]);
      expect(await fake.json()).toEqual(await real.json());
    }
    const missing = await call(actors, "agent1", method, url(unknown), method === "POST" ? {} : undefined);
    expect(missing.status(), `${method} ${url(unknown)}`).toBe(404);
  }
});

test("a cross-site request is refused whatever the Fetch Metadata says, and a sec-fetch-site cross-site one too", async () => {
  const agent1 = actors.clients.agent1;
  const forged = await agent1.post("/api/meeting-points", { data: {}, headers: { origin: "null" } });
  expect(forged.status()).toBe(403);
  const metadata = await agent1.post("/api/meeting-points", { data: {}, headers: { "sec-fetch-site": "cross-site" } });
  expect(metadata.status()).toBe(403);
  const sibling = await agent1.post("/api/meeting-points", {
    data: {},
    headers: { origin: `http://evil.localhost:${new URL(actors.baseURL).port}` },
  });
  expect(sibling.status()).toBe(403);
});

test("measured lifetimes on the production server: agent session 8 h, visitor token 2 h; an expired session is refused", async () => {
  const secret = readFileSync(path.join(process.env.E2E_DATA_DIR!, "auth-secret"), "utf8").trim();
  const cookie = (await actors.clients.agent2.storageState()).cookies.find((c) => c.name === "next-auth.session-token")!;
  const jwt = await decode({ token: cookie.value, secret });
  const jwtSeconds = Number(jwt!.exp) - Number(jwt!.iat);
  const cookieSeconds = cookie.expires - Date.now() / 1000;
  expect(jwtSeconds).toBe(8 * 3600);
  expect(cookieSeconds).toBeGreaterThan(8 * 3600 - 600);
  expect(cookieSeconds).toBeLessThanOrEqual(8 * 3600 + 1);

  const visitor = await (await call(actors, "anonymous", "POST", "/api/visitor/session", {})).json();
  const visitorSeconds = (Date.parse(visitor.expiresAt) - Date.now()) / 1000;
  expect(visitorSeconds).toBeGreaterThan(2 * 3600 - 60);
  expect(visitorSeconds).toBeLessThanOrEqual(2 * 3600 + 1);
  test.info().annotations.push({
    type: "lifetimes",
    description: `agent JWT ${jwtSeconds} s, cookie ${Math.round(cookieSeconds)} s, visitor token ${Math.round(visitorSeconds)} s`,
  });

  // A session JWT that is genuine (the server's own secret) but past its lifetime is no session.
  const expired = await encode({ secret, token: { sub: jwt!.sub, name: jwt!.name, username: "agent2", role: "agent" }, maxAge: -60 });
  const stale = await playwrightRequest.newContext({
    baseURL: actors.baseURL,
    extraHTTPHeaders: { cookie: `next-auth.session-token=${expired}` },
  });
  expect((await stale.post("/api/meeting-points", { data: {} })).status()).toBe(401);
  expect(await (await stale.get("/api/auth/session")).json()).not.toHaveProperty("user");
  const renewed = await encode({ secret, token: { sub: jwt!.sub, name: jwt!.name, username: "agent2", role: "agent" }, maxAge: 60 });
  const fresh = await playwrightRequest.newContext({
    baseURL: actors.baseURL,
    extraHTTPHeaders: { cookie: `next-auth.session-token=${renewed}` },
  });
  expect((await fresh.post("/api/meeting-points", { data: {} })).status()).toBe(201);
});
