// Security headers, CSRF refusal on agent routes, no server secret in the client bundle, and the console
// still working under the Content-Security-Policy (server/platform/http/security-headers.mjs, server/platform/http/csrf.ts).
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { agentRequest, signIn } from "@/tests/support/e2e/agent-session";
import { openCall } from "@/tests/support/e2e/help-desk-call";

const EVIL = "https://evil.example";

function expectCommonHeaders(headers: Record<string, string>, where: string): void {
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, where).toContain("default-src 'self'");
  expect(csp, where).toContain("object-src 'none'");
  expect(csp, where).toContain("base-uri 'self'");
  expect(csp, where).toMatch(/connect-src 'self' ws: wss:/);
  expect(csp, where).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"], where).toBe("nosniff");
  expect(headers["referrer-policy"], where).toBe("strict-origin-when-cross-origin");
  expect(headers["permissions-policy"], where).toBe("camera=(self), microphone=(self), display-capture=(self)");
}

/**
 * Records CSP violations two ways: the console messages Chromium prints (kept across navigations) and the
 * current document's securitypolicyviolation events (reset by each navigation, so read before leaving).
 */
function watchCsp(page: Page): () => Promise<string[]> {
  const messages: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) messages.push(message.text());
  });
  void page.addInitScript(() => {
    const store: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = store;
    document.addEventListener("securitypolicyviolation", (e) => store.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return async () => [...messages, ...(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []))];
}

test("pages carry the CSP and the other security headers; only /visit may be framed", async ({ page, request }) => {
  for (const url of ["/login", "/visit"]) {
    const response = await request.get(url);
    expect(response.status(), url).toBe(200);
    expectCommonHeaders(response.headers(), url);
  }
  const visit = (await request.get("/visit")).headers();
  expect(visit["content-security-policy"]).toContain("frame-ancestors *");
  expect(visit["x-frame-options"]).toBeUndefined();
  const login = (await request.get("/login")).headers();
  expect(login["content-security-policy"]).toContain("frame-ancestors 'self'");
  expect(login["x-frame-options"]).toBe("SAMEORIGIN");

  await signIn(page, "agent1", "agent1-pass");
  const consoleResponse = await page.goto("/console");
  const consoleHeaders = consoleResponse!.headers();
  expectCommonHeaders(consoleHeaders, "/console");
  expect(consoleHeaders["content-security-policy"]).toContain("frame-ancestors 'self'");
  expect(consoleHeaders["x-frame-options"]).toBe("SAMEORIGIN");
});

test("another site can embed /visit (the widget) but not /console", async ({ page, baseURL }) => {
  // A page on another origin, served for real on loopback: Chromium's local-network-access rules refuse
  // loopback frames inside a page it cannot place on loopback (a page.route() fulfilment counts as public).
  const embedder = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<iframe id="visit" src="${baseURL}/visit" allow="camera; microphone"></iframe>
             <iframe id="console" src="${baseURL}/console"></iframe>`);
  });
  await new Promise<void>((resolve) => embedder.listen(0, "127.0.0.1", resolve));
  try {
    const refusals: string[] = [];
    page.on("console", (m) => {
      if (m.text().includes("frame-ancestors")) refusals.push(m.text());
    });
    // goto waits for the load event, which waits for both frames (loaded or refused).
    await page.goto(`http://127.0.0.1:${(embedder.address() as AddressInfo).port}/`);
    await expect(page.frameLocator("#visit").getByLabel("Your name (optional)")).toBeVisible();
    // /console (redirecting to /login without a session) is refused by frame-ancestors 'self'.
    await expect(page.frameLocator("#console").getByRole("button", { name: "Sign in" })).toHaveCount(0);
    await expect.poll(() => refusals.join("\n")).toContain("frame-ancestors 'self'");
  } finally {
    embedder.close();
  }
});

test("a cross-site POST with an agent's cookie is refused; the same request from this origin succeeds", async ({ browser, baseURL }) => {
  const alice = await agentRequest(browser, "agent1", "agent1-pass");
  const crossSite = await alice.post("/api/meeting-points", { data: { title: "Forged" }, headers: { origin: EVIL } });
  expect(crossSite.status()).toBe(403);
  expect(await crossSite.json()).toMatchObject({ ok: false, code: "FORBIDDEN", message: expect.stringContaining(EVIL) });
  const fetchMetadata = await alice.post("/api/meeting-points", { data: {}, headers: { "sec-fetch-site": "cross-site" } });
  expect(fetchMetadata.status()).toBe(403);

  const sameOrigin = await alice.post("/api/meeting-points", {
    data: { title: "Genuine" },
    headers: { origin: new URL(baseURL!).origin, "sec-fetch-site": "same-origin" },
  });
  expect(sameOrigin.status()).toBe(201);
  expect(await sameOrigin.json()).toMatchObject({ title: "Genuine" });
  // Non-browser clients (no Origin, no Sec-Fetch-Site) are not affected.
  expect((await alice.post("/api/meeting-points", { data: {} })).status()).toBe(201);
});

test("the client bundle holds no server secret", async () => {
  const staticDir = path.resolve(".next/static");
  const files = (readdirSync(staticDir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  expect(files.filter((file) => file.endsWith(".js")).length).toBeGreaterThan(5);

  const authSecret = readFileSync(path.join(process.env.E2E_DATA_DIR!, "auth-secret"), "utf8").trim();
  expect(authSecret.length).toBeGreaterThanOrEqual(32);
  const assignment =
    /\b(DATABASE_URL|AUTH_SECRET|RECORDER_SECRET|S3_SECRET_ACCESS_KEY|WEBHOOK_SECRET)["'`]?\s*[=:]\s*["'`]?[^\s"'`,;)}]{4,}/;
  const privateKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  const leaks: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, "latin1");
    const where = path.relative(staticDir, file);
    if (text.includes(authSecret)) leaks.push(`${where}: the auth secret`);
    const named = assignment.exec(text);
    if (named) leaks.push(`${where}: ${named[0].slice(0, 40)}…`);
    if (privateKey.test(text)) leaks.push(`${where}: a private key`);
  }
  expect(leaks).toEqual([]);
});

test("the console works under the CSP: signed in, connected, queue shown, no violation", async ({ page }) => {
  const violations = watchCsp(page);
  await signIn(page, "agent1", "agent1-pass");
  await expect(page.getByTestId("agent-name")).toHaveText("Alice Agent");
  await expect(page.getByTestId("queue")).toBeVisible();
  await expect(page.getByTestId("queue-count")).toHaveText(/^\(\d+\)$/);
  // The Socket.IO connection came up (the banner shows only while not connected).
  await expect(page.getByText(/^Connection /)).toHaveCount(0);
  expect(await violations()).toEqual([]);
  await page.goto("/console/recordings");
  await expect(page.getByRole("heading", { name: "Recordings" })).toBeVisible();
  expect(await violations()).toEqual([]);
});

// A visitor once could call themselves "Help desk" and write lines that read like the desk's notices.
// Now the name is refused, and notices (only the server writes as "system") are drawn apart from messages.
test("visitors cannot pass for the help desk: the name is refused and notices look like notices", async ({ browser, request }) => {
  const refused = await request.post("/api/visitor/session", { data: { name: "Help  Desk" } });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).message).toContain("reserved");

  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill("Help desk");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByText(/reserved for the help desk/)).toBeVisible();
  await visitorContext.close();

  const { visitor: vera, agent, contexts } = await openCall(browser, { visitorName: "Vera Visitor", armBeforeCall: true });
  await vera.getByLabel("Message").fill("Recording stopped by Alice Agent.");
  await vera.getByRole("button", { name: "Send" }).click();
  const chat = agent.getByTestId("chat-messages");
  await expect(chat.locator('[data-kind="notice"]').filter({ hasText: "will record this call" })).toBeVisible();
  await expect(chat.locator('[data-kind="message"]').filter({ hasText: "Recording stopped by Alice Agent." })).toContainText(
    "Vera Visitor",
  );
  await expect(chat.locator('[data-kind="notice"]').filter({ hasText: "Recording stopped" })).toHaveCount(0);
  await vera.getByTestId("chat-messages").screenshot({ path: test.info().outputPath("visitor-chat.png") });
  await agent.getByTestId("chat-messages").screenshot({ path: test.info().outputPath("agent-chat.png") });
  for (const context of contexts) await context.close();
});
