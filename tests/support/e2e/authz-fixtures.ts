// Who calls the HTTP API in the authorization matrix (e2e/authz-rest.spec.ts), and the things they call it
// on: meeting points hosted by agent1, live calls, recordings in each state. Sessions are real: agents sign
// in through next-auth's credentials callback; the visitor gets its token from POST /api/visitor/session.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, request as playwrightRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { io } from "socket.io-client";

export const EVIL_ORIGIN = "https://evil.example";
/** agent1Cross is agent1's real session sent with another site's Origin (a forged cross-site request). */
export type RestRole = "anonymous" | "visitor" | "agent2" | "agent1" | "supervisor" | "admin" | "agent1Cross";
export const REST_ROLES: RestRole[] = ["anonymous", "visitor", "agent2", "agent1", "supervisor", "admin", "agent1Cross"];

export interface Actors {
  baseURL: string;
  visitorToken: string;
  clients: Record<RestRole, APIRequestContext>;
  /** agent1's session cookie header, for its Socket.IO connection. */
  agent1Cookie: string;
}

/**
 * Signs an agent in the way the login page's next-auth client does (CSRF token, then the credentials
 * callback), without rendering the page: the same cookie, at a fraction of the cost on a loaded machine.
 */
export async function agentSession(baseURL: string, username: string, password: string): Promise<APIRequestContext> {
  const context = await playwrightRequest.newContext({ baseURL });
  const { csrfToken } = await (await context.get("/api/auth/csrf")).json();
  const signedIn = await context.post("/api/auth/callback/credentials", {
    form: { csrfToken, username, password, json: "true" },
    maxRedirects: 0,
  });
  expect(signedIn.status(), await signedIn.text()).toBeLessThan(400);
  const session = await (await context.get("/api/auth/session")).json();
  expect(session.user?.username).toBe(username);
  return context;
}

export async function makeActors(baseURL: string): Promise<Actors> {
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const session = await anonymous.post("/api/visitor/session", { data: { name: "Matrix visitor" } });
  expect(session.status()).toBe(201);
  const visitorToken = (await session.json()).token as string;
  // The visitor presents its token every way a client might: bearer header and in the session cookie's place.
  const visitor = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${visitorToken}`, cookie: `next-auth.session-token=${visitorToken}` },
  });
  const agent1 = await agentSession(baseURL, "agent1", "agent1-pass");
  const admin = await agentSession(baseURL, "admin", "admin-pass");
  const agent1Cookie = (await agent1.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  expect(agent1Cookie).toContain("next-auth.session-token=");
  return {
    baseURL,
    visitorToken,
    agent1Cookie,
    clients: {
      anonymous,
      visitor,
      agent1,
      agent1Cross: agent1,
      agent2: await agentSession(baseURL, "agent2", "agent2-pass"),
      supervisor: await supervisorSession(baseURL, admin),
      admin,
    },
  };
}

/** A supervisor account the admin creates once per run (a second call finds it taken), signed in. */
async function supervisorSession(baseURL: string, admin: APIRequestContext): Promise<APIRequestContext> {
  const created = await admin.post("/api/admin/agents", {
    data: { username: "supervisor", displayName: "Sue Supervisor", password: "supervisor-pass", role: "supervisor" },
    headers: { origin: new URL(baseURL).origin },
  });
  expect([201, 409], await created.text()).toContain(created.status());
  return agentSession(baseURL, "supervisor", "supervisor-pass");
}

/** Calls as a role: same-origin Origin for everyone but agent1Cross, which sends another site's. */
export function call(actors: Actors, role: RestRole, method: string, url: string, data?: unknown): Promise<APIResponse> {
  const origin = role === "agent1Cross" ? EVIL_ORIGIN : new URL(actors.baseURL).origin;
  return actors.clients[role].fetch(url, { method, data, headers: { origin }, maxRedirects: 0 });
}

export interface Target {
  meetingPointId: string;
  recordingId: string;
  /** "staff": an agent and a skill the admin created for the row. */
  agentId?: string;
  skillId?: string;
}

/** What agent1 sets up before a call: each stage includes the ones before it. */
export type Setup = "none" | "meetingPoint" | "live" | "recording" | "finished" | "finishedLive" | "staff";

export async function setUp(actors: Actors, setup: Setup): Promise<Target> {
  const target: Target = { meetingPointId: "", recordingId: "" };
  if (setup === "none") return target;
  if (setup === "staff") return setUpStaff(actors, target);
  const host = (method: string, url: string, data?: unknown) => call(actors, "agent1", method, url, data);
  const created = await host("POST", "/api/meeting-points", { title: "Authz matrix" });
  expect(created.status()).toBe(201);
  target.meetingPointId = (await created.json()).id;
  if (setup === "meetingPoint") return target;
  await startCall(actors, target.meetingPointId);
  if (setup === "live") return target;
  const started = await host("POST", `/api/meeting-points/${target.meetingPointId}/recording`, {});
  expect(started.status()).toBe(201);
  const body = await started.json();
  expect(body.status).toBe("recording");
  target.recordingId = body.recordingId;
  if (setup === "recording") return target;
  if (setup === "finishedLive") {
    // A recording stopped within its first second can end before any window was rendered (then it has no live
    // output at all): rows about the live playlist stop it once its first window is stored.
    await expect
      .poll(async () => (await (await host("GET", `/api/recordings/${target.recordingId}`)).json()).live?.segments ?? 0, {
        timeout: 120_000,
        intervals: [500, 1000, 2000],
      })
      .toBeGreaterThan(0);
  }
  expect((await host("DELETE", `/api/meeting-points/${target.meetingPointId}/recording`)).status()).toBe(200);
  // Compositing runs at once (no media: a short blank movie); a finished recording may be played and deleted.
  // One job at a time, and on a loaded machine a job has been seen to sit in "processing" for over a minute.
  await expect
    .poll(async () => (await (await host("GET", `/api/recordings/${target.recordingId}`)).json()).status, {
      timeout: 200_000,
      intervals: [500, 1000, 2000],
    })
    .toBe("ready");
  if (setup === "finished") return target;
  // The live output's windows can land after "ready" (the live composer works through its own queue, and this suite
  // leaves a dozen recordings running): rows that fetch the live playlist wait for its first segment.
  await expect
    .poll(async () => (await (await host("GET", `/api/recordings/${target.recordingId}`)).json()).live?.segments ?? 0, {
      timeout: 200_000,
      intervals: [500, 1000, 2000],
    })
    .toBeGreaterThan(0);
  return target;
}

/** The call goes live only over Socket.IO (mp:host), as the console does it. */
async function startCall(actors: Actors, meetingPointId: string): Promise<void> {
  const socket = io(actors.baseURL, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: actors.agent1Cookie } });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const reply = await socket.timeout(5000).emitWithAck("mp:host", { meetingPointId });
    expect(reply).toMatchObject({ ok: true, meetingPoint: { state: "live" } });
  } finally {
    socket.disconnect();
  }
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** "METHOD /api/path" for every handler exported by a route.ts under app/api, read from disk. */
export function routesOnDisk(root = path.resolve("app/api")): string[] {
  const found: string[] = [];
  for (const file of readdirSync(root, { recursive: true }) as string[]) {
    if (path.basename(file) !== "route.ts") continue;
    const source = readFileSync(path.join(root, file), "utf8");
    const route = `/api/${path.dirname(file).split(path.sep).join("/")}`;
    const methods = new Set<string>();
    for (const m of source.matchAll(/export\s+(?:async\s+)?(?:function|const|let)\s+([A-Z]+)\b/g)) methods.add(m[1]!);
    for (const block of source.matchAll(/export\s*\{([^}]*)\}/g)) {
      for (const part of block[1]!.split(","))
        methods.add(
          part
            .trim()
            .split(/\s+as\s+/)
            .pop()!
            .trim(),
        );
    }
    for (const method of methods) if (METHODS.includes(method)) found.push(`${method} ${route}`);
  }
  return found.sort();
}

let staffCount = 0;
/** An agent and a skill of their own, created by the admin (usernames unique within the run). */
async function setUpStaff(actors: Actors, target: Target): Promise<Target> {
  const tag = `${Date.now().toString(36)}-${++staffCount}`;
  const skill = await call(actors, "admin", "POST", "/api/admin/skills", { name: `authz-${tag}`, label: `Authz ${tag}` });
  expect(skill.status()).toBe(201);
  const agent = await call(actors, "admin", "POST", "/api/admin/agents", {
    username: `authz-${tag}`,
    displayName: `Authz ${tag}`,
    password: "authz-matrix-pass",
    skills: [`authz-${tag}`],
  });
  expect(agent.status()).toBe(201);
  return { ...target, agentId: (await agent.json()).agent.id, skillId: (await skill.json()).skill.id };
}
