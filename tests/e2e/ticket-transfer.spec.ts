// Transfer between two agents in the browser: Alice, in a call with the visitor, writes an internal note and
// transfers the ticket to Bob with another; the call ends for both, the visitor is told who takes over, Bob
// finds the ticket with its conversation and notes. Neither note ever reaches the visitor's page or socket.
// After Bob closes, the visitor rates the help and the rating is in the history.
import { expect, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";
import { openCall } from "@/tests/support/e2e/help-desk-call";

// Words that cannot turn up by chance in a frame (ids, ports and SSRCs are full of digits like "4242").
const NOTE = "Internal: card charged twice, code word marmalade";
const HANDOVER = "Over to Bob: refund the second charge, code word quince";

test("transfer to a colleague mid-call; internal notes stay internal; the visitor rates the call", async ({ browser }) => {
  const call = await openCall(browser, { visitorName: "Tina Transfer" });
  const { visitor, agent: alice } = call;
  // Everything the visitor's Socket.IO connection receives from now on.
  const received: string[] = [];
  visitor.on("websocket", (ws) => ws.on("framereceived", (f) => received.push(String(f.payload))));
  // The call was set up before the listener: reload so that its socket is the one listened to.
  await visitor.reload();
  await expect(visitor.getByTestId("remote-video")).toBeVisible({ timeout: 20_000 });

  const bobContext = await browser.newContext();
  const bob = await bobContext.newPage();
  await signIn(bob, "agent2", "agent2-pass");
  await expect(bob.getByTestId("availability")).toHaveAttribute("data-state", "available");

  await alice.getByLabel("New internal note").fill(NOTE);
  await alice.getByRole("button", { name: "Add note" }).click();
  await expect(alice.getByTestId("timeline-entry").filter({ hasText: NOTE })).toBeVisible();

  await alice.getByRole("button", { name: "Transfer…" }).click();
  const form = alice.getByTestId("transfer-form");
  await form.getByLabel("Transfer to").selectOption({ label: "Bob Agent (general, technical)" });
  await form.getByLabel("Note for the next agent (internal)").fill(HANDOVER);
  await form.getByRole("button", { name: "Transfer" }).click();

  // Alice: the ticket left her hands and her call ended.
  await expect(alice.getByText("Tina Transfer's ticket went to Bob Agent.")).toBeVisible();
  await expect(alice.getByTestId("ticket-panel")).toHaveCount(0);
  await expect(alice.getByTestId("remote-video")).toHaveCount(0);
  // The visitor: told who takes over, out of the call, still in the conversation.
  await expect(visitor.getByText("Bob Agent is helping you")).toBeVisible();
  await expect(visitor.getByTestId("chat-messages")).toContainText("You have been transferred to Bob Agent");
  await expect(visitor.getByTestId("remote-video")).toHaveCount(0);

  // Bob: the ticket is his, with the visitor's conversation and both internal entries.
  await bob.getByRole("button", { name: /Tina Transfer/ }).click();
  await expect(bob.getByTestId("ticket-visitor")).toHaveText("Tina Transfer");
  const timeline = bob.getByTestId("ticket-timeline");
  await expect(timeline.getByTestId("timeline-entry").filter({ hasText: NOTE })).toBeVisible();
  await expect(timeline.getByTestId("timeline-entry").filter({ hasText: HANDOVER })).toContainText("Alice Agent transferred to Bob Agent");
  await bob.getByRole("button", { name: "Invite to video" }).click();
  await expect(visitor.getByTestId("invitation")).toContainText("Bob Agent");
  await visitor.getByRole("button", { name: "Accept" }).click();
  await expect(bob.getByTestId("remote-video")).toBeVisible({ timeout: 20_000 });
  await bob.getByRole("button", { name: "Close ticket" }).click();

  // The visitor rates; the rating is stored on the ticket and shown in Bob's history.
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();
  await visitor.getByRole("button", { name: "4 of 5: Good" }).click();
  await visitor.getByLabel("Comment (optional)").fill("Bob sorted it out");
  await visitor.getByRole("button", { name: "Send rating" }).click();
  await expect(visitor.getByTestId("rating-thanks")).toBeVisible();
  await bob.reload();
  const row = bob.getByTestId("history-row").filter({ hasText: "Tina Transfer" }).first();
  await expect(row.getByTestId("history-rating")).toHaveText("★★★★☆");
  await row.click();
  await expect(bob.getByTestId("history-rating-detail")).toContainText("4 of 5");
  await expect(bob.getByTestId("history-rating-detail")).toContainText("Bob sorted it out");

  // Nothing internal reached the visitor: not on the page, not on the wire.
  expect(received.length).toBeGreaterThan(5);
  for (const text of [NOTE, HANDOVER, "marmalade", "quince"]) {
    expect(received.some((frame) => frame.includes(text))).toBe(false);
    await expect(visitor.getByText(text)).toHaveCount(0);
  }
  expect(received.some((frame) => frame.includes('"ticket:event"'))).toBe(false);

  for (const c of [...call.contexts, bobContext]) await c.close();
});

test("an agent set Away is offered no tickets; the waiting visitor sees an expected wait", async ({ browser }) => {
  const agentContext = await browser.newContext();
  const visitorContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await signIn(agent, "agent1", "agent1-pass");
  await agent.getByTestId("availability").getByRole("button", { name: "Away" }).click();
  await expect(agent.getByTestId("availability")).toHaveAttribute("data-state", "away");
  await expect(agent.getByRole("button", { name: "Take next ticket" })).toBeDisabled();

  const visitor = await visitorContext.newPage();
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill("Walter Waiting");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("estimated-wait")).toBeVisible();

  // A second tab of the same agent follows the switch.
  const second = await agentContext.newPage();
  await second.goto("/console");
  await expect(second.getByTestId("availability")).toHaveAttribute("data-state", "away");
  await agent.getByTestId("availability").getByRole("button", { name: "Available" }).click();
  await expect(second.getByTestId("availability")).toHaveAttribute("data-state", "available");
  await expect(second.getByRole("button", { name: "Take next ticket" })).toBeEnabled();

  await visitor.getByRole("button", { name: "Leave the queue" }).click();
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();
  // Someone who left the queue without an agent has nothing to rate.
  await expect(visitor.getByTestId("rating-form")).toHaveCount(0);
  await agentContext.close();
  await visitorContext.close();
});
