// New-ticket alerts in the agent console: a chime, and while the console is in the background a desktop
// notification and a count in the tab title; only for tickets the agent can take, each once, never for those
// already waiting when the console opened. agent2 has the skills general and technical, not billing.
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";

const TITLE = "Console · Video Help Desk";

interface Recorded {
  notifications: { title: string; body: string; tag: string; closed: boolean }[];
  chimes: { frequency: number; state: string }[];
  focused: number;
}

declare global {
  interface Window {
    __alerts: Recorded;
    __notifications: { onclick: (() => void) | null }[];
    __setHidden(hidden: boolean): void;
  }
}

/**
 * Records the notifications the page creates (permission stays the browser context's), the oscillators it
 * starts, and lets the test hide and show the page: a headless tab is always "visible".
 */
function recordAlerts() {
  const recorded: Recorded = { notifications: [], chimes: [], focused: 0 };
  window.__alerts = recorded;
  window.__notifications = [];
  // A plain constructor rather than a class: the test runner's transpiled class fields would call helpers
  // that do not exist in the page.
  const Real = window.Notification;
  function RecordedNotification(this: { onclick: (() => void) | null; index: number }, title: string, options: NotificationOptions = {}) {
    this.onclick = null;
    this.index = recorded.notifications.push({ title, body: options.body ?? "", tag: options.tag ?? "", closed: false }) - 1;
    window.__notifications.push(this);
  }
  RecordedNotification.prototype.close = function (this: { index: number }) {
    recorded.notifications[this.index]!.closed = true;
  };
  Object.defineProperty(RecordedNotification, "permission", { get: () => Real.permission });
  Object.defineProperty(RecordedNotification, "requestPermission", { value: () => Real.requestPermission() });
  window.Notification = RecordedNotification as unknown as typeof Notification;
  const focus = window.focus.bind(window);
  window.focus = () => {
    recorded.focused++;
    focus();
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode["start"]>) {
    recorded.chimes.push({ frequency: this.frequency.value, state: this.context.state });
    return start.apply(this, args);
  };
  let hidden = false;
  Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
}

async function openTicket(context: BrowserContext, name: string, topic: string): Promise<Page> {
  const visitor = await context.newPage();
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill(name);
  await visitor.getByLabel("Topic").selectOption(topic);
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  return visitor;
}

const recorded = (agent: Page) => agent.evaluate(() => window.__alerts);

test("new tickets in the agent's skills chime, notify and count in the title while the console is hidden", async ({ browser }) => {
  const visitors = await browser.newContext();
  const agentContext = await browser.newContext();
  await agentContext.grantPermissions(["notifications"]);
  await agentContext.addInitScript(recordAlerts);
  const agent = await agentContext.newPage();

  // Waiting before the console opens: shown in the queue, never announced.
  const early = await openTicket(visitors, "Early Bird", "technical");
  await signIn(agent, "agent2", "agent2-pass");
  await expect(agent.getByTestId("queue-row")).toHaveCount(1);
  await expect(agent).toHaveTitle(TITLE);

  // Permission granted means notifications are on; turned off here, the opt-in asks the browser again.
  const settings = agent.getByTestId("alert-settings");
  await expect(settings.getByTestId("notifications-on")).toBeVisible();
  await settings.getByRole("button", { name: "Turn off" }).click();
  await settings.getByRole("button", { name: "Enable desktop notifications" }).click();
  await expect(settings.getByTestId("notifications-on")).toBeVisible();
  // Those clicks were the user gesture the browser wants before any sound.
  await expect(settings).not.toContainText("first click");

  await agent.evaluate(() => window.__setHidden(true));
  const tina = await openTicket(visitors, "Tina Technical", "technical");
  await expect(agent).toHaveTitle(`(1) ${TITLE}`);
  const first = await recorded(agent);
  expect(first.notifications).toEqual([
    { title: "New ticket: technical", body: "Tina Technical is waiting for help.", tag: expect.stringMatching(/^ticket-/), closed: false },
  ]);
  expect(first.chimes.length).toBeGreaterThan(0);
  expect(first.chimes.every((c) => c.state === "running")).toBe(true);
  const chimesPerTicket = first.chimes.length;

  const gwen = await openTicket(visitors, "Gwen General", "");
  await expect(agent).toHaveTitle(`(2) ${TITLE}`);

  // A ticket in a skill agent2 lacks appears in the queue but does not alert, and nothing alerts twice.
  const bill = await openTicket(visitors, "Bill Billing", "billing");
  await expect(agent.getByTestId("queue-row")).toHaveCount(4);
  await expect(agent).toHaveTitle(`(2) ${TITLE}`);
  let now = await recorded(agent);
  expect(now.notifications.map((n) => n.body)).toEqual(["Tina Technical is waiting for help.", "Gwen General is waiting for help."]);
  expect(now.chimes).toHaveLength(2 * chimesPerTicket);

  // A ticket that leaves the queue before the agent looks leaves the count, and its notification goes.
  await gwen.getByRole("button", { name: "Leave the queue" }).click();
  await expect(agent.getByTestId("queue-row")).toHaveCount(3);
  await expect(agent).toHaveTitle(`(1) ${TITLE}`);
  expect((await recorded(agent)).notifications[1]!.closed).toBe(true);

  // Clicking the notification brings the console forward.
  await agent.evaluate(() => window.__notifications[0]!.onclick?.());
  expect((await recorded(agent)).focused).toBe(1);

  await agent.evaluate(() => window.__setHidden(false));
  await expect(agent).toHaveTitle(TITLE);
  now = await recorded(agent);
  expect(now.notifications[0]!.closed).toBe(true);

  // Muted stays muted after a reload; a new ticket in view then neither chimes nor notifies.
  await settings.getByRole("button", { name: "Mute sound" }).click();
  await agent.reload();
  await expect(settings.getByRole("button", { name: "Unmute sound" })).toHaveAttribute("aria-pressed", "true");
  await expect(agent.getByTestId("queue-row")).toHaveCount(3);
  await settings.click({ position: { x: 4, y: 4 } }); // unlocks audio, so silence below is the mute's doing
  const quiet = await openTicket(visitors, "Quinn Quiet", "general");
  await expect(agent.getByTestId("queue-row")).toHaveCount(4);
  now = await recorded(agent);
  expect(now.chimes).toEqual([]);
  expect(now.notifications).toEqual([]);
  await expect(agent).toHaveTitle(TITLE);
  await settings.getByRole("button", { name: "Unmute sound" }).click();

  // Away: no ticket is offered to the agent, so none is announced, in view or in the background.
  await agent.getByTestId("availability").getByRole("button", { name: "Away" }).click();
  await expect(agent.getByTestId("availability")).toHaveAttribute("data-state", "away");
  await agent.evaluate(() => window.__setHidden(true));
  const away = await openTicket(visitors, "Ada Away", "general");
  await expect(agent.getByTestId("queue-row")).toHaveCount(5);
  now = await recorded(agent);
  expect(now.chimes).toEqual([]);
  expect(now.notifications).toEqual([]);
  await expect(agent).toHaveTitle(TITLE);
  await agent.evaluate(() => window.__setHidden(false));
  await agent.getByTestId("availability").getByRole("button", { name: "Available" }).click();
  await expect(agent.getByTestId("availability")).toHaveAttribute("data-state", "available");

  // Leave no waiting ticket behind for the tests that follow.
  for (const visitor of [early, tina, bill, quiet, away]) await visitor.getByRole("button", { name: "Leave the queue" }).click();
  await expect(agent.getByTestId("queue-count")).toHaveText("(0)");
  await visitors.close();
  await agentContext.close();
});
