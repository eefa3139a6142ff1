// Fuzzes every REST route under app/api on the production server with a seeded storm of hostile requests
// (junk ids and query strings, malformed and oversized JSON, wrong content types, deep nesting, unicode,
// prototype-pollution keys) as an anonymous caller, a visitor and a signed-in agent.
// Reproduce a run with FUZZ_SEED=<seed printed below>; FUZZ_REQUESTS sets the count.
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { mulberry32, pick } from "@/tests/support/fuzz-values";
import { apiLogin, discoverRoutes, fuzzRequest, POLLUTING_BODIES, type Actor, type FuzzRequest } from "@/tests/support/e2e/fuzz-requests";

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
// The run stops sending after this long, so the spec stays well under its timeout on a loaded machine;
// the requests sent are still a prefix of the seed's sequence.
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 45_000);
const MIN_REQUESTS = Math.min(REQUESTS, 1000);
const PARALLEL = 8;
const routes = discoverRoutes(path.join(process.cwd(), "app/api"));

/** Statuses Next.js itself answers with, before any route code runs: no JSON body to check. */
const NEXT_OWN_STATUSES = new Set([400, 404, 405, 431]);

async function unhandledRejections(request: APIRequestContext): Promise<number> {
  const text = await (await request.get("/metrics")).text();
  const match = /^vhd_unhandled_rejections_total (\S+)$/m.exec(text);
  expect(match, "/metrics has vhd_unhandled_rejections_total").not.toBeNull();
  return Number(match![1]);
}

async function processStartTime(request: APIRequestContext): Promise<number> {
  const text = await (await request.get("/metrics")).text();
  const match = /^\w*process_start_time_seconds (\S+)$/m.exec(text);
  expect(match, "/metrics has process_start_time_seconds").not.toBeNull();
  return Number(match![1]);
}

interface Tally {
  statuses: Record<string, number>;
  codes: Record<string, number>;
  nonJson4xx: Record<string, number>;
  authShapes: Record<string, number>;
  dropped: number;
  bad: string[];
}

function describeRequest(req: FuzzRequest, actor: string): string {
  const body = req.body === undefined ? "none" : `${req.body.length} ${String(req.body).slice(0, 80)}`;
  return `${actor} ${req.method} ${req.url.slice(0, 120)} ${JSON.stringify(req.headers).slice(0, 160)} body=${body}`;
}

async function sendAndCheck(actor: Actor, req: FuzzRequest, tally: Tally): Promise<void> {
  const what = describeRequest(req, actor.name);
  let response: Awaited<ReturnType<APIRequestContext["fetch"]>>;
  try {
    response = await actor.request.fetch(req.url, {
      method: req.method,
      headers: { ...actor.headers, ...req.headers },
      data: req.body,
      maxRedirects: 0,
      failOnStatusCode: false,
      timeout: 15_000,
    });
  } catch (error) {
    // A server may close the connection on a body it refused early; anything else is a failure.
    if (req.huge) return void tally.dropped++;
    return void tally.bad.push(`no response (${(error as Error).message.split("\n")[0]}): ${what}`);
  }
  const status = response.status();
  const key = `${actor.name} ${status}`;
  tally.statuses[key] = (tally.statuses[key] ?? 0) + 1;
  if (status >= 500) {
    const text = await response.text();
    return void tally.bad.push(`${status}: ${what} → ${text.slice(0, 200)}`);
  }
  if (status < 400 || req.method === "HEAD") return;
  const isAuthRoute = req.route.pattern.startsWith("/api/auth");
  const text = await response.text();
  const isJson = (response.headers()["content-type"] ?? "").includes("application/json");
  if (isAuthRoute) {
    // next-auth answers its own errors: JSON {url} or {message}, a redirect, or an HTML/text page. Only that it is
    // not a 5xx and, when it says JSON, parses is asserted; the shapes are tallied for the report.
    let shape = isJson ? "json" : `non-json ${status}`;
    if (isJson) {
      try {
        shape = `json ${status} {${Object.keys(JSON.parse(text) as object).join(",")}}`;
      } catch {
        tally.bad.push(`unparseable JSON: ${what} → ${text.slice(0, 200)}`);
      }
    }
    tally.authShapes[shape] = (tally.authShapes[shape] ?? 0) + 1;
    return;
  }
  if (!isJson) {
    tally.nonJson4xx[status] = (tally.nonJson4xx[status] ?? 0) + 1;
    // A multipart POST to a path that is no route (%2e%2e is resolved by Next) is taken for a Server Action.
    const serverAction = status === 409 && text.startsWith("Server Action unavailable");
    if (!NEXT_OWN_STATUSES.has(status) && !serverAction) tally.bad.push(`non-JSON ${status}: ${what} → ${text.slice(0, 200)}`);
    return;
  }
  try {
    const problem = JSON.parse(text) as { ok?: unknown; code?: unknown; message?: unknown };
    if (problem.ok !== false || typeof problem.code !== "string" || typeof problem.message !== "string") {
      tally.bad.push(`not {ok:false, code, message}: ${what} → ${text.slice(0, 200)}`);
    } else tally.codes[problem.code] = (tally.codes[problem.code] ?? 0) + 1;
  } catch {
    tally.bad.push(`unparseable JSON: ${what} → ${text.slice(0, 200)}`);
  }
}

/** The JSON payload of a visitor token (version.body.signature). */
function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

test(`REST fuzz: thousands of hostile requests on every API route (seed ${SEED})`, async ({ baseURL }) => {
  test.setTimeout(120_000);
  console.log(`fuzz-rest seed=${SEED} requests=${REQUESTS} (set FUZZ_SEED to reproduce another run)`);
  const origin = new URL(baseURL!).origin;
  expect(routes.length, "routes found under app/api").toBeGreaterThanOrEqual(10);
  expect(
    routes.every((r) => r.methods.length > 0),
    JSON.stringify(routes),
  ).toBe(true);

  const anonymous = await playwrightRequest.newContext({ baseURL });
  const visitorContext = await playwrightRequest.newContext({ baseURL });
  const agentContext = await playwrightRequest.newContext({ baseURL });
  const startedAt = await processStartTime(anonymous);

  const session = await (await visitorContext.post("/api/visitor/session", { data: { name: "Fuzz Visitor" } })).json();
  expect(await apiLogin(agentContext, "agent1", "agent1-pass")).toEqual({ status: 200, error: null });
  const sameOrigin = { origin };
  // Real ids, so some requests get past "not found" into the handlers' own logic.
  const mp = await (await agentContext.post("/api/meeting-points", { data: { title: "Fuzz room" }, headers: sameOrigin })).json();
  const recording = await agentContext.post(`/api/meeting-points/${mp.id}/recording`, { data: {}, headers: sameOrigin });
  expect(recording.status()).toBe(201);
  const knownIds = [mp.id as string, ((await recording.json()) as { recordingId: string }).recordingId];

  const actors: Actor[] = [
    { name: "anonymous", request: anonymous, headers: {} },
    { name: "visitor", request: visitorContext, headers: { authorization: `Bearer ${session.token}` } },
    { name: "agent", request: agentContext, headers: {} },
  ];
  const rng = mulberry32(SEED);
  const tally: Tally = { statuses: {}, codes: {}, nonJson4xx: {}, authShapes: {}, dropped: 0, bad: [] };
  const perRoute: Record<string, number> = {};
  const started = Date.now();
  let sent = 0;
  for (; sent < REQUESTS && Date.now() - started < BUDGET_MS; sent += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, REQUESTS - sent) }, () => {
      // The agent gets half the traffic: only its requests reach body parsing on agent routes.
      const actor = rng() < 0.5 ? actors[2]! : pick(rng, actors.slice(0, 2));
      const route = pick(rng, routes);
      perRoute[route.pattern] = (perRoute[route.pattern] ?? 0) + 1;
      return sendAndCheck(actor, fuzzRequest(rng, route, origin, knownIds), tally);
    });
    await Promise.all(batch);
  }
  sent = Math.min(sent, REQUESTS);
  // Prototype-pollution bodies straight at the routes that parse them for everyone or for the agent.
  for (const body of POLLUTING_BODIES) {
    for (const url of ["/api/visitor/session", "/api/meeting-points", `/api/meeting-points/${mp.id}/recording/publishers`]) {
      const req: FuzzRequest = {
        method: "POST",
        url,
        headers: { ...sameOrigin, "content-type": "application/json" },
        body,
        huge: false,
        route: routes.find((r) => r.pattern === "/api/visitor/session")!,
      };
      await sendAndCheck(actors[2]!, req, tally);
    }
  }
  const elapsed = Date.now() - started;
  console.log(`fuzz-rest: ${sent} requests in ${elapsed} ms`, JSON.stringify({ perRoute, ...tally, bad: tally.bad.length }, null, 1));

  expect(sent, `requests sent within ${BUDGET_MS} ms`).toBeGreaterThanOrEqual(MIN_REQUESTS);
  expect(tally.bad, `seed ${SEED}: ${tally.bad.length} bad responses`).toEqual([]);
  expect(tally.codes.INTERNAL ?? 0, `seed ${SEED}`).toBe(0);
  expect(tally.codes.BAD_REQUEST ?? 0, "bodies and ids reached validation").toBeGreaterThan(sent / 10);
  expect(tally.codes.UNAUTHENTICATED ?? 0, "anonymous callers were refused").toBeGreaterThan(sent / 20);
  expect(tally.codes.FORBIDDEN ?? 0, "cross-site requests were refused").toBeGreaterThan(0);
  expect(Object.keys(perRoute).sort(), "every route was fuzzed").toEqual(routes.map((r) => r.pattern).sort());

  // The server survived: healthy, and the same process (no crash and restart in between).
  const health = await anonymous.get("/api/health");
  expect(health.status()).toBe(200);
  expect((await health.json()).status).toBe("ok");
  expect(await processStartTime(anonymous), `seed ${SEED}: the server process restarted`).toBe(startedAt);
  expect(await unhandledRejections(anonymous), `seed ${SEED}: promise rejections nobody handled`).toBe(0);

  // No pollution: objects the server builds from scratch after the storm carry nothing inherited from the bodies.
  const fresh = await anonymous.post("/api/visitor/session", { data: {} });
  expect(fresh.status()).toBe(201);
  const freshBody = await fresh.json();
  expect(Object.keys(freshBody).sort()).toEqual(["expiresAt", "ok", "token", "visitorId"]);
  expect(Object.keys(tokenClaims(freshBody.token))).not.toContain("name"); // a polluted `name` would be read as the default
  const room = await agentContext.post("/api/meeting-points", { data: {}, headers: sameOrigin });
  expect(room.status()).toBe(201);
  const roomView = await room.json();
  expect(roomView.title).toBeNull();
  expect(JSON.stringify(roomView)).not.toMatch(/polluted|POLLUTED|isAdmin/);
  expect((await agentContext.get("/api/recordings")).status()).toBe(200); // the agent's session still works
  await Promise.all(actors.map((a) => a.request.dispose()));
});

// Deterministic reproductions of the bugs the storm found (each was a 500 before its fix): a 4xx with
// {ok:false, code, message} now.
test.describe("REST fuzz findings", () => {
  async function expectRefusedWithCode(send: Promise<import("@playwright/test").APIResponse>): Promise<void> {
    const response = await send;
    const text = await response.text();
    expect(response.status(), text.slice(0, 200)).toBeLessThan(500);
    expect(response.status(), text.slice(0, 200)).toBeGreaterThanOrEqual(400);
    if (!response.url().includes("/api/auth/"))
      expect(JSON.parse(text)).toMatchObject({ ok: false, code: expect.any(String), message: expect.any(String) });
  }

  test("malformed percent-encoding in a path id is a 400", async ({ request }) => {
    await expectRefusedWithCode(request.get("/api/recordings/%ff"));
  });

  test("next-auth: an unparseable callbackUrl is a 4xx", async ({ request }) => {
    await expectRefusedWithCode(request.get("/api/auth/session?callbackUrl=x"));
  });

  test("next-auth: a JSON content type with a non-JSON body is a 4xx", async ({ request }) => {
    await expectRefusedWithCode(
      request.post("/api/auth/session", { data: Buffer.from("xx"), headers: { "content-type": "application/json" } }),
    );
  });

  test("next-auth: GET on the credentials callback is a 4xx", async ({ request }) => {
    await expectRefusedWithCode(request.get("/api/auth/callback/credentials"));
  });

  test("a NUL character in a stored string is a 400, not a database error", async ({ baseURL }) => {
    const agent = await playwrightRequest.newContext({ baseURL });
    expect(await apiLogin(agent, "agent2", "agent2-pass")).toEqual({ status: 200, error: null });
    await expectRefusedWithCode(agent.post("/api/meeting-points", { data: { title: "a\u0000b" } }));
    await agent.dispose();
  });
});
