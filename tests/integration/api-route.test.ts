// The API route wrapper against real Request objects: authentication from the session cookie, the same-origin
// check, path ids, body limits enforced while streaming, JSON and schema errors, and thrown errors answered
// through the catalog.
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { conflict } from "@/lib/domain/result";
import { apiRoute } from "@/server/platform/http/api-route";
import { MAX_BODY_BYTES } from "@/server/platform/http/json";
import { registerServices, type Services } from "@/server/service-registry";

const SECRET = "s".repeat(48);
const ORIGIN = "http://desk.test";
const ID = "0b6f3f4e-8a2d-4a53-9b3e-2f1c5d7e9a10";
const logged: unknown[] = [];
// The accounts table as AgentSessions reads it: agent-1 is an agent at epoch 0, admin-1 an admin, gone-1 deactivated.
const accounts: Record<string, { role: "agent" | "admin"; displayName: string; epoch: number; active: boolean }> = {
  "agent-1": { role: "agent", displayName: "Alice", epoch: 0, active: true },
  "admin-1": { role: "admin", displayName: "Ada", epoch: 0, active: true },
  "gone-1": { role: "admin", displayName: "Gus", epoch: 1, active: false },
};
const sessions = {
  async current(id: string, epoch: number) {
    const a = accounts[id];
    return a?.active && a.epoch === epoch ? { role: a.role, displayName: a.displayName } : null;
  },
};

beforeAll(() => {
  const logger = { error: (o: unknown) => logged.push(o), warn() {}, info() {}, debug() {} };
  // Only what the wrapper reads: the secret, the public URL, the session check and the logger.
  registerServices({ authSecret: SECRET, env: { PUBLIC_URL: ORIGIN }, logger, sessions } as unknown as Services);
});
afterAll(() => registerServices(undefined));

async function agentCookie(sub = "agent-1", claims: { role?: "agent" | "admin"; epoch?: number } = {}) {
  const jwt = await encode({ secret: SECRET, token: { sub, name: "Alice", username: sub, role: "agent", ...claims } });
  return `next-auth.session-token=${jwt}`;
}

const ctx = (id = ID) => ({ params: Promise.resolve({ id }) });
const body = z.object({ title: z.string().max(5) }).strict();
const seen = vi.fn();
const route = apiRoute({ auth: "agent", id: true, body, action: "testing" }, async ({ identity, id, body }) => {
  seen(identity, id, body);
  if (body.title === "boom") throw new Error("internal detail /secret/path");
  if (body.title === "taken") throw conflict("already taken");
  return Response.json({ ok: true });
});

async function post(init: { cookie?: string; origin?: string; body?: BodyInit; type?: string; id?: string }) {
  const headers: Record<string, string> = { "content-type": init.type ?? "application/json", origin: init.origin ?? ORIGIN };
  if (init.cookie) headers.cookie = init.cookie;
  const req = new Request(`${ORIGIN}/api/x/${init.id ?? ID}`, { method: "POST", headers, body: init.body, duplex: "half" } as RequestInit);
  const res = await route(req, ctx(init.id));
  return { status: res.status, json: (await res.json()) as { ok: boolean; code?: string; message?: string } };
}

describe("apiRoute", () => {
  it("admin routes: the role is the account's current one, not the one in the cookie; ended sessions are refused", async () => {
    const adminRoute = apiRoute({ auth: "admin", action: "testing" }, async ({ identity }) => Response.json({ role: identity.role }));
    const get = async (cookie: string) => {
      const res = await adminRoute(new Request(`${ORIGIN}/api/admin/x`, { headers: { cookie, origin: ORIGIN } }), ctx());
      return { status: res.status, json: await res.json() };
    };
    expect(await get(await agentCookie("admin-1"))).toEqual({ status: 200, json: { role: "admin" } });
    // A cookie claiming admin for an agent account is not an admin.
    expect(await get(await agentCookie("agent-1", { role: "admin" }))).toMatchObject({ status: 403, json: { code: "FORBIDDEN" } });
    // Deactivated (and its epoch moved on): no session at all.
    expect(await get(await agentCookie("gone-1", { role: "admin" }))).toMatchObject({ status: 401, json: { code: "UNAUTHENTICATED" } });
    // Issued before a password reset (epoch 0, the account is at 1).
    accounts["admin-1"]!.epoch = 1;
    expect((await get(await agentCookie("admin-1"))).status).toBe(401);
    expect((await get(await agentCookie("admin-1", { epoch: 1 }))).status).toBe(200);
    accounts["admin-1"]!.epoch = 0;
  });

  it("passes the agent from the session cookie, the id and the parsed body to the route", async () => {
    const res = await post({ cookie: await agentCookie(), body: JSON.stringify({ title: "hi" }) });
    expect(res).toEqual({ status: 200, json: { ok: true } });
    expect(seen).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "agent", id: "agent-1", role: "agent" }), ID, { title: "hi" });
  });

  it("refuses without a session (401), with a forged cookie (401) and cross-site (403) before reading anything", async () => {
    expect((await post({ body: "{}" })).json.code).toBe("UNAUTHENTICATED");
    expect((await post({ cookie: "next-auth.session-token=forged", body: "{}" })).status).toBe(401);
    const cross = await post({ cookie: await agentCookie(), origin: "http://evil.test", body: "{}" });
    expect(cross).toMatchObject({ status: 403, json: { code: "FORBIDDEN" } });
  });

  it("refuses a path id that is not a UUID", async () => {
    expect(await post({ cookie: await agentCookie(), id: "../etc", body: "{}" })).toMatchObject({
      status: 400,
      json: { message: "id: must be a UUID" },
    });
  });

  it("stops reading a body as soon as it passes the limit", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
        if (pulled > 10_000) controller.close(); // 160 MB: never reached unless the limit is ignored
      },
    });
    const res = await post({ cookie: await agentCookie(), body: endless });
    expect(res).toMatchObject({ status: 400, json: { code: "BAD_REQUEST", message: `body larger than ${MAX_BODY_BYTES} bytes` } });
    expect(pulled).toBeLessThan(MAX_BODY_BYTES / (16 * 1024) + 4);
  });

  it("answers malformed JSON, a wrong content type and a schema failure naming the field", async () => {
    const cookie = await agentCookie();
    expect((await post({ cookie, body: "{not json" })).json.message).toBe("body is not valid JSON");
    expect((await post({ cookie, body: "{}", type: "text/plain" })).json.message).toBe("content-type must be application/json");
    const invalid = await post({ cookie, body: JSON.stringify({ title: "far too long" }) });
    expect(invalid).toMatchObject({ status: 400, json: { code: "BAD_REQUEST" } });
    expect(invalid.json.message).toMatch(/^title: /);
  });

  it("answers thrown errors through the catalog: refusals as they are, failures as INTERNAL without details", async () => {
    const cookie = await agentCookie();
    expect(await post({ cookie, body: JSON.stringify({ title: "taken" }) })).toEqual({
      status: 409,
      json: { ok: false, code: "CONFLICT", message: "already taken" },
    });
    logged.length = 0;
    const failed = await post({ cookie, body: JSON.stringify({ title: "boom" }) });
    expect(failed).toEqual({ status: 500, json: { ok: false, code: "INTERNAL", message: "the request failed; try again" } });
    expect(logged).toHaveLength(1);
  });
});
