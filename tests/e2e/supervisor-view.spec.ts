// The supervisor view: an admin watches the desk's figures change live as a visitor queues and an agent takes the
// ticket; a plain agent is refused the page and has no link to it.
import { expect, type Page, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";

const figure = (page: Page, id: string) => page.getByTestId(`figure-${id}`).getByTestId("figure-value");
const count = async (page: Page, id: string) => Number(await figure(page, id).textContent());

test("an admin sees the queue and the agents change without reloading; an agent is refused", async ({ browser, baseURL }) => {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, "admin", "admin-pass");
  await admin.getByRole("link", { name: "Supervisor" }).click();
  await expect(admin).toHaveURL(/\/console\/supervisor$/);
  await expect(admin.getByTestId("figures-status")).toContainText("Live");
  const waiting = await count(admin, "waiting");
  const busy = await count(admin, "agents-busy");

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto("/demo/plain");
  await visitor.getByRole("link", { name: "Video Assistance" }).click();
  await visitor.getByLabel("Your name (optional)").fill("Sam Supervised");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();

  // Pushed within one interval (2 s) of the change; the longest wait then counts on by itself.
  await expect(figure(admin, "waiting")).toHaveText(String(waiting + 1));
  await expect(figure(admin, "longest-wait")).toHaveText(/^[1-9]\d* s$/);
  const shown = await figure(admin, "longest-wait").textContent();
  await expect(figure(admin, "longest-wait")).not.toHaveText(shown ?? "");

  // A new agent, who holds no ticket yet whatever earlier tests left to the seeded ones: taking one makes them busy.
  const username = `busy-${Date.now()}`;
  const created = await admin.request.post("/api/admin/agents", {
    data: { username, displayName: "Barb Busy", password: "barb-busy-pass-1", role: "agent", skills: ["general", "billing", "technical"] },
    headers: { origin: new URL(baseURL!).origin },
  });
  expect(created.status()).toBe(201);
  const agent = await (await browser.newContext()).newPage();
  await signIn(agent, username, "barb-busy-pass-1");
  await expect(agent.getByRole("link", { name: "Supervisor" })).toHaveCount(0);
  await agent.goto("/console/supervisor");
  await expect(agent.locator("main").getByRole("alert")).toHaveText("Only supervisors and admins see the supervisor view.");
  await expect(agent.getByTestId("figure-waiting")).toHaveCount(0);

  await agent.goto("/console");
  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent.getByTestId("ticket-visitor")).toHaveText("Sam Supervised");
  await expect(figure(admin, "agents-busy")).toHaveText(String(busy + 1));
  await expect(figure(admin, "waiting")).toHaveText(String(waiting));
});
