// The HTTP API with real sessions: meeting points over REST, and bad input refused with a code.
import { expect, test } from "@playwright/test";
import { agentRequest } from "@/tests/support/e2e/agent-session";

test("an agent creates a meeting point over HTTP and reads it; others cannot", async ({ browser, request }) => {
  expect((await request.post("/api/meeting-points", { data: {} })).status()).toBe(401);

  const alice = await agentRequest(browser, "agent1", "agent1-pass");
  const created = await alice.post("/api/meeting-points", { data: { title: "Onboarding" } });
  expect(created.status()).toBe(201);
  const view = await created.json();
  expect(view).toMatchObject({ title: "Onboarding", state: "scheduled", hostId: expect.stringMatching(/^agent:/), waitList: [] });
  expect(created.headers().location).toBe(`/api/meeting-points/${view.id}`);

  const read = await alice.get(`/api/meeting-points/${view.id}`);
  expect(read.status()).toBe(200);
  expect((await read.json()).participants.map((p: { displayName: string }) => p.displayName)).toEqual(["Alice Agent"]);

  const bob = await agentRequest(browser, "agent2", "agent2-pass");
  expect(await (await bob.get(`/api/meeting-points/${view.id}`)).json()).toMatchObject({ ok: false, code: "FORBIDDEN" });
  expect((await request.get(`/api/meeting-points/${view.id}`)).status()).toBe(401);
  expect((await alice.get("/api/meeting-points/00000000-0000-4000-8000-000000000000")).status()).toBe(404);
  expect((await alice.get("/api/meeting-points/not-a-uuid")).status()).toBe(400);
});

test("malformed bodies are refused with a code and a message", async ({ browser, request }) => {
  const alice = await agentRequest(browser, "agent1", "agent1-pass");
  for (const [options, expected] of [
    [{ data: "title=x", headers: { "content-type": "text/plain" } }, /content-type/],
    [{ data: Buffer.from("{not json"), headers: { "content-type": "application/json" } }, /not valid JSON/],
    [{ data: { title: 42 } }, /title/],
    [{ data: { title: "ok", isAdmin: true } }, /isAdmin|Unrecognized/i],
    [{ data: JSON.parse('{"__proto__": {"polluted": 1}}') }, /__proto__|Unrecognized/i],
    [{ data: Buffer.from("x".repeat(100_000)), headers: { "content-type": "application/json" } }, /larger than/],
  ] as const) {
    const response = await alice.post("/api/meeting-points", options as never);
    expect(response.status()).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(body.message).toMatch(expected);
  }
  const visitor = await request.post("/api/visitor/session", { data: { name: "x".repeat(200) } });
  expect(visitor.status()).toBe(400);
  expect((await request.get("/api/health")).status()).toBe(200);
});
