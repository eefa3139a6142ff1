// Agent management in the console: an admin adds an agent with the skill "billing"; that agent signs in and takes
// a billing ticket; the admin deactivates them mid-session: their console is signed out within 5 s and their old
// session cookie is refused from then on.
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";

test("admin adds a billing agent, who takes a billing ticket and is signed out when deactivated", async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const username = `bianca${Date.now().toString(36)}`;
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin", "admin-pass");
  await admin.getByRole("link", { name: "Agents" }).click();
  await expect(admin).toHaveURL(/\/console\/admin$/);
  await admin.getByRole("button", { name: "Add agent" }).click();
  await admin.getByLabel("Username").fill(username);
  await admin.getByLabel("Display name").fill("Bianca Billing");
  await admin.getByLabel("Password").fill("bianca-pass-1");
  await admin.getByLabel("Skills").selectOption(["billing"]);
  await admin.getByLabel("Role").selectOption("agent");
  await admin.getByRole("button", { name: "Create agent" }).click();
  const row = admin.getByTestId(`agent-row-${username}`);
  await expect(row).toContainText("Bianca Billing");
  await expect(row).toContainText("Billing and payments");
  await expect(row).toContainText("active");

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await signIn(agent, username, "bianca-pass-1");
  await expect(agent.getByTestId("agent-name")).toHaveText("Bianca Billing");
  await expect(agent.getByRole("link", { name: "Agents" })).toHaveCount(0); // not an admin

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto("/demo/plain");
  await visitor.getByRole("link", { name: "Video Assistance" }).click();
  await visitor.getByLabel("Your name (optional)").fill("Bill Payer");
  await visitor.getByLabel("Topic").selectOption("billing");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  await expect(agent.getByTestId("queue-row").filter({ hasText: "Bill Payer" })).toBeVisible();
  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent.getByTestId("ticket-visitor")).toHaveText("Bill Payer");
  await expect(visitor.getByText("Bianca Billing is helping you")).toBeVisible();

  const cookies = (await agentContext.storageState()).cookies.filter((c) => c.name.startsWith("next-auth"));
  const cookieHeader = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const before = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { cookie: cookieHeader } });
  expect((await before.get("/api/recordings")).status()).toBe(200);

  await row.getByRole("button", { name: "Deactivate" }).click();
  const deactivatedAt = Date.now();
  await expect(row).toContainText("deactivated");
  await expect(agent).toHaveURL(/\/login/, { timeout: 5000 });
  const signedOutMs = Date.now() - deactivatedAt;
  test.info().annotations.push({ type: "deactivated → signed out", description: `${signedOutMs} ms` });
  await expect(agent.getByRole("button", { name: "Sign in" })).toBeVisible();

  // Their visitor is not left with nobody: the ticket is back in the queue, first in line.
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  await expect(visitor.getByTestId("requeued-notice")).toBeVisible();
  await expect(visitor.getByTestId("queue-position")).toHaveText("1");

  // The old session cookie is refused by the API, by next-auth's session endpoint and by the console.
  expect((await before.get("/api/recordings")).status()).toBe(401);
  expect(await (await before.get("/api/auth/session")).json()).not.toHaveProperty("user");
  const stale = await agentContext.newPage();
  await stale.goto("/console");
  await expect(stale).toHaveURL(/\/login/);
  // And signing in again is refused.
  await stale.getByLabel("Username").fill(username);
  await stale.getByLabel("Password").fill("bianca-pass-1");
  await stale.getByRole("button", { name: "Sign in" }).click();
  await expect(stale.getByRole("alert")).toBeVisible();
  await expect(stale).toHaveURL(/\/login/);
  await visitor.getByRole("button", { name: "Leave the queue" }).click();
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();
});
