// The whole help-desk flow in two browsers: a visitor asks for video assistance on the demo page, an
// agent takes the ticket and invites; both see each other's video; chat both ways; End call ends it for both.
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";

/** A remote <video> that is really playing: frames with a size, and time that advances. */
async function expectVideoPlaying(page: Page) {
  const video = page.getByTestId("remote-video").first();
  await expect(video).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
  const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(t1 + 0.5);
}

test("visitor to agent: queue, take, invite, accept, video both ways, chat, end call", async ({ browser }) => {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  const agent = await agentContext.newPage();

  await signIn(agent, "agent1", "agent1-pass");
  await expect(agent.getByTestId("queue-count")).toHaveText("(0)");

  await visitor.goto("/demo/plain");
  await visitor.getByRole("link", { name: "Video Assistance" }).click();
  await visitor.getByLabel("Your name (optional)").fill("Vera Visitor");
  await visitor.getByLabel("Topic").selectOption("billing");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  await expect(visitor.getByTestId("queue-position")).toHaveText("1");

  // The ticket appears in the agent's queue without a reload, with its progress.
  const row = agent.getByTestId("queue-row").filter({ hasText: "Vera Visitor" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("billing");
  await expect(row).toContainText("ready");

  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent.getByTestId("ticket-visitor")).toHaveText("Vera Visitor");
  await expect(visitor.getByText("Alice Agent is helping you")).toBeVisible();

  // Chat works before any video.
  await agent.getByLabel("Message").fill("Hello Vera, how can I help?");
  await agent.getByRole("button", { name: "Send" }).click();
  await expect(visitor.getByTestId("chat-messages")).toContainText("Hello Vera, how can I help?");

  await agent.getByRole("button", { name: "Invite to video" }).click();
  await expect(visitor.getByTestId("invitation")).toBeVisible();
  await visitor.getByRole("button", { name: "Accept" }).click();

  await expectVideoPlaying(agent);
  await expectVideoPlaying(visitor);
  await expect(agent.getByTestId("tile-name").filter({ hasText: "Vera Visitor" })).toBeVisible();
  await expect(visitor.getByTestId("tile-name").filter({ hasText: "Alice Agent" })).toBeVisible();

  await visitor.getByLabel("Message").fill("My bill is wrong");
  await visitor.getByRole("button", { name: "Send" }).click();
  await expect(agent.getByTestId("chat-messages")).toContainText("My bill is wrong");

  await agent.getByRole("button", { name: "End call" }).click();
  await expect(agent.getByTestId("call-ended")).toBeVisible();
  await expect(visitor.getByTestId("call-ended")).toBeVisible();
  await expect(visitor.getByTestId("remote-video")).toHaveCount(0);
  await expect(agent.getByTestId("remote-video")).toHaveCount(0);

  await agent.getByRole("button", { name: "Close ticket" }).click();
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();
  const history = agent.getByTestId("history-row").filter({ hasText: "Vera Visitor" }).first();
  await expect(history).toBeVisible();
  await history.click();
  await expect(agent.getByTestId("history-details")).toContainText("My bill is wrong");

  await visitorContext.close();
  await agentContext.close();
});

test("the widget script adds a Video Assistance button that opens the visitor view", async ({ page }) => {
  await page.goto("/demo/widget");
  await page.getByRole("button", { name: "Video Assistance" }).click();
  const frame = page.frameLocator('iframe[title="Video Assistance"]');
  await expect(frame.getByRole("button", { name: "Request video assistance" })).toBeVisible();
});

test("two agents pressing Take next ticket at the same moment get different tickets", async ({ browser }) => {
  const contexts = await Promise.all([0, 1, 2, 3].map(() => browser.newContext()));
  const [v1, v2, a1, a2] = await Promise.all(contexts.map((c) => c.newPage()));
  for (const [page, name] of [
    [v1, "Queue One"],
    [v2, "Queue Two"],
  ] as const) {
    await page.goto("/visit");
    await page.getByLabel("Your name (optional)").fill(name);
    await page.getByRole("button", { name: "Request video assistance" }).click();
    await expect(page.getByTestId("waiting-screen")).toBeVisible();
  }
  await signIn(a1!, "agent1", "agent1-pass");
  await signIn(a2!, "agent2", "agent2-pass");
  await expect(a1!.getByTestId("queue-row")).toHaveCount(2);
  await expect(a2!.getByTestId("queue-row")).toHaveCount(2);

  await Promise.all([
    a1!.getByRole("button", { name: "Take next ticket" }).click(),
    a2!.getByRole("button", { name: "Take next ticket" }).click(),
  ]);
  const taken = await Promise.all(
    [a1!, a2!].map(async (p) => {
      await expect(p.getByTestId("ticket-visitor")).toBeVisible();
      return p.getByTestId("ticket-visitor").textContent();
    }),
  );
  expect(taken.sort()).toEqual(["Queue One", "Queue Two"]);
  await expect(a1!.getByTestId("queue-row")).toHaveCount(0);
  // Leave no open ticket behind for the tests that follow.
  for (const agent of [a1!, a2!]) await agent.getByRole("button", { name: "Close ticket" }).click();
  await expect(v1!.getByTestId("ticket-finished")).toBeVisible();
  await expect(v2!.getByTestId("ticket-finished")).toBeVisible();
  for (const c of contexts) await c.close();
});

test("an agent brings a colleague into the call: three-way video", async ({ browser }) => {
  const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext()));
  const [visitor, host, colleague] = await Promise.all(contexts.map((c) => c.newPage()));
  await visitor!.goto("/visit");
  await visitor!.getByLabel("Your name (optional)").fill("Trio Visitor");
  await visitor!.getByRole("button", { name: "Request video assistance" }).click();
  await signIn(host!, "agent1", "agent1-pass");
  await signIn(colleague!, "agent2", "agent2-pass");
  await host!.getByRole("button", { name: "Take next ticket" }).click();
  await expect(host!.getByTestId("ticket-visitor")).toHaveText("Trio Visitor");
  await host!.getByRole("button", { name: "Invite to video" }).click();
  await visitor!.getByRole("button", { name: "Accept" }).click();
  await expect(host!.getByTestId("remote-video")).toHaveCount(1, { timeout: 20_000 });

  await host!.getByLabel("Colleague").selectOption({ label: "Bob Agent" });
  await host!.getByRole("button", { name: "Invite colleague" }).click();
  await colleague!.getByRole("button", { name: "Join call" }).click();

  for (const page of [visitor!, host!, colleague!]) {
    await expect(page.getByTestId("remote-video")).toHaveCount(2, { timeout: 20_000 });
    for (const video of await page.getByTestId("remote-video").all()) {
      await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
    }
  }
  await expect(visitor!.getByTestId("tile-name").filter({ hasText: "Bob Agent" })).toBeVisible();
  await host!.getByRole("button", { name: "End call" }).click();
  await expect(colleague!.getByTestId("remote-video")).toHaveCount(0);
  await host!.getByRole("button", { name: "Close ticket" }).click();
  for (const c of contexts) await c.close();
});

test("a visitor who reloads during the call comes back into it with video", async ({ browser }) => {
  const contexts = await Promise.all([0, 1].map(() => browser.newContext()));
  const [visitor, agent] = await Promise.all(contexts.map((c) => c.newPage()));
  await visitor!.goto("/visit");
  await visitor!.getByLabel("Your name (optional)").fill("Reload Visitor");
  await visitor!.getByRole("button", { name: "Request video assistance" }).click();
  await signIn(agent!, "agent1", "agent1-pass");
  await agent!.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent!.getByTestId("ticket-visitor")).toHaveText("Reload Visitor");
  await agent!.getByRole("button", { name: "Invite to video" }).click();
  await visitor!.getByRole("button", { name: "Accept" }).click();
  await expectVideoPlaying(agent!);

  await visitor!.reload();
  await expectVideoPlaying(visitor!);
  await expectVideoPlaying(agent!);
  await expect(agent!.getByTestId("remote-video")).toHaveCount(1);
  await agent!.getByRole("button", { name: "Close ticket" }).click();
  await expect(visitor!.getByTestId("ticket-finished")).toBeVisible();
  for (const c of contexts) await c.close();
});
