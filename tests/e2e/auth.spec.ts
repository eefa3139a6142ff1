import { expect, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";

test("agent1 signs in, reaches the console and sees their name", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill("agent1");
  await page.getByLabel("Password").fill("agent1-pass");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByTestId("agent-name")).toHaveText("Alice Agent");
});

// The login form once accepted any callbackUrl starting with "/" but not "//": the browser reads "/\\evil" and
// "/<tab>/evil" as another host. Each of these lands on the console of this site after sign-in.
for (const callbackUrl of ["/%5Cevil.example", "/%09/evil.example", "/%5C/evil.example", "https://evil.example/"]) {
  test(`sign-in with callbackUrl=${callbackUrl} stays on this site`, async ({ page, baseURL }) => {
    await page.goto(`/login?callbackUrl=${callbackUrl}`);
    await page.getByLabel("Username").fill("agent1");
    await page.getByLabel("Password").fill("agent1-pass");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login") || url.origin !== new URL(baseURL ?? "").origin);
    expect(new URL(page.url()).origin).toBe(new URL(baseURL ?? "").origin);
  });
}

test("a wrong password shows an error and stays on the login page", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill("agent1");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Invalid username or password.")).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test("/console without a session redirects to /login", async ({ page }) => {
  await page.goto("/console");
  await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fconsole|\/login\?callbackUrl=\/console/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("signing out ends the session", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Username").fill("agent2");
  await page.getByLabel("Password").fill("agent2-pass");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("agent-name")).toHaveText("Bob Agent");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/console");
  await expect(page).toHaveURL(/\/login/);
});

test("health names the database and storage modes", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toMatchObject({
    status: "ok",
    database: { mode: process.env.DATABASE_URL ? "postgres" : "pglite", ok: true },
    storage: { backend: "s3", mode: "embedded", ok: true },
  });
});

// Anonymous callers once got the bucket name and raw error text (e.g. a connection string's host).
test("health tells anonymous callers only up or down; a signed-in agent sees the details", async ({ page, request }) => {
  const anonymous = await (await request.get("/api/health")).json();
  expect(Object.keys(anonymous).sort()).toEqual(["database", "status", "storage"]);
  expect(Object.keys(anonymous.storage).sort()).toEqual(["backend", "mode", "ok"]);
  expect(Object.keys(anonymous.database).sort()).toEqual(["mode", "ok"]);
  await signIn(page, "agent1", "agent1-pass");
  const detailed = await (await page.request.get("/api/health")).json();
  expect(detailed.storage).toMatchObject({ bucket: expect.any(String), latencyMs: expect.any(Number) });
});

// The sign-in form is in the HTML the server sends, not drawn later by the client bundle.
test("/login ships its form in the server's HTML", async ({ request, browser }) => {
  const html = await (await request.get("/login?callbackUrl=%2Fconsole")).text();
  // method=post: a form submitted before the script runs must not put the password in the address.
  expect(html).toMatch(/<form[^>]*method="post"[^>]*>/);
  expect(html).toMatch(/<label[^>]*for="username"[^>]*>Username<\/label>/);
  expect(html).toMatch(/<input[^>]*id="password"[^>]*type="password"/);
  expect(html).toMatch(/<button[^>]*type="submit"[^>]*>Sign in<\/button>/);
  expect(html).not.toContain('evil.example/"');
  // With scripts off the same form is on screen.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.getByLabel("Username")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  await context.close();
});
