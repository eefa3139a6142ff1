// Scale-out: two production app nodes share PostgreSQL, Redis and S3 (e2e/cluster/). The visitor's browser
// talks to node A (through front door A), the agent's to node B (front door B), so queue pushes, chat,
// WebRTC signalling and recording control all cross nodes. Then node A is killed in the middle of a call:
// the visitor reconnects through front door A to node B and the meeting point carries on.
import { existsSync, mkdirSync } from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { io } from "socket.io-client";
import { Desk } from "@/lib/sdk/desk";
import { signIn } from "@/tests/support/e2e/agent-session";
import { CLUSTER_PORTS, SERVER_ENTRY, startCluster, type Cluster } from "@/tests/support/e2e/cluster/cluster";
import { downloadAndProbe, expectVideoPlaying } from "@/tests/support/e2e/cluster/media-checks";
import { sendColourAndTone } from "@/tests/support/e2e/fake-camera";
import { agreeToRecording, openCall } from "@/tests/support/e2e/help-desk-call";
import { expectMovieContent, PARTICIPANT_MEDIA, type SentMedia } from "@/tests/support/media/movie-content";

test.skip(!existsSync(SERVER_ENTRY), `${SERVER_ENTRY} is missing: the two-node test runs the production build (npm run build)`);
// Not serial: when the first test fails the second still runs (on a fresh cluster, as a new worker starts).

const GRACE_SECONDS = 5;
let cluster: Cluster;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  cluster = await startCluster({ env: { PRESENCE_GRACE_SECONDS: String(GRACE_SECONDS) } });
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook asks for from this pattern
test.afterEach(async ({}, testInfo) => {
  if (!cluster) return;
  for (const node of [cluster.nodes.a, cluster.nodes.b]) await testInfo.attach(`${node.name}.log`, { path: node.logFile });
  if (testInfo.status !== testInfo.expectedStatus) console.log(`two-node cluster logs:\n${cluster.report()}`);
});

test.afterAll(async () => {
  await cluster?.stop();
});

/** Contexts whose pages open the given front doors, in the order the contexts are created. */
function browserThrough(browser: Browser, baseURLs: string[]): Browser {
  const next = [...baseURLs];
  return new Proxy(browser, {
    get(target, prop, receiver) {
      if (prop === "newContext")
        return (opts: Parameters<Browser["newContext"]>[0] = {}) => target.newContext({ ...opts, baseURL: next.shift() });
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function sendChat(from: Page, to: Page, text: string): Promise<void> {
  await from.getByLabel("Message").fill(text);
  await from.getByRole("button", { name: "Send" }).click();
  await expect(to.getByTestId("chat-messages"), `"${text}" reaches the other side`).toContainText(text, { timeout: 15_000 });
}

const progressShownToAgent = (agent: Page) => agent.getByTestId("ticket-panel").locator(".badge").first().textContent();

test("visitor on node A, agent on node B: queue, take, invite, call, chat and a recording that plays", async ({ browser }) => {
  test.setTimeout(150_000);
  const visitorContext = await browser.newContext({ baseURL: cluster.fronts.a.url });
  const agentContext = await browser.newContext({ baseURL: cluster.fronts.b.url });
  // Each browser sends its own colour and tone: the stored movie must show and play both.
  const sent: SentMedia[] = [
    { label: "agent (node B)", ...PARTICIPANT_MEDIA[0]! },
    { label: "visitor (node A)", ...PARTICIPANT_MEDIA[1]! },
  ];
  await sendColourAndTone(agentContext, sent[0]!);
  await sendColourAndTone(visitorContext, sent[1]!);
  const visitor = await visitorContext.newPage();
  const agent = await agentContext.newPage();

  await signIn(agent, "agent1", "agent1-pass");
  await expect(agent.getByTestId("queue-count")).toHaveText("(0)");
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill("Nora Node");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();

  // Opened on node A, pushed to the agent on node B through Redis.
  const row = agent.getByTestId("queue-row").filter({ hasText: "Nora Node" });
  await expect(row, "the ticket opened on node A appears in node B's console").toBeVisible();
  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await expect(agent.getByTestId("ticket-visitor")).toHaveText("Nora Node");
  await expect(visitor.getByText("Alice Agent is helping you")).toBeVisible();
  await sendChat(agent, visitor, "Hello Nora, this is node B");

  await agent.getByRole("button", { name: "Invite to video" }).click();
  await expect(visitor.getByTestId("invitation")).toBeVisible();
  await visitor.getByRole("button", { name: "Accept" }).click();
  await expectVideoPlaying(agent, "agent (node B) sees the visitor");
  await expectVideoPlaying(visitor, "visitor (node A) sees the agent");
  await sendChat(visitor, agent, "Hello from node A");

  // Every browser connection really went to its own node: the signalling above crossed nodes.
  expect(new Set(cluster.fronts.a.routes), "front door A only used node A").toEqual(new Set([CLUSTER_PORTS.nodeA]));
  expect(new Set(cluster.fronts.b.routes), "front door B only used node B").toEqual(new Set([CLUSTER_PORTS.nodeB]));

  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  for (const [page, who] of [
    [agent, "agent"],
    [visitor, "visitor"],
  ] as const) {
    await expect(page.getByTestId("recording-indicator"), `${who} sees the recording`).toHaveAttribute("data-status", "recording");
    await expect(page.getByTestId("recording-indicator"), `${who} publishes to the recorder`).toHaveAttribute(
      "data-publishing",
      "publishing",
      { timeout: 20_000 },
    );
  }
  const meetingPointId = await agent.getByTestId("ticket-panel").getAttribute("data-meeting-point");
  const recordingId = (await (await agent.request.get(`/api/meeting-points/${meetingPointId}`)).json()).recording.id as string;
  await agent.waitForTimeout(5000); // the length of the recording
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveCount(0);
  await expect(visitor.getByTestId("recording-indicator")).toHaveCount(0);
  await agent.getByRole("button", { name: "End call" }).click();
  await expect(visitor.getByTestId("call-ended")).toBeVisible();
  await agent.getByRole("button", { name: "Close ticket" }).click();
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();

  // Where each browser's media went (each recorder logs the tracks it received) and which node composited it.
  const onNode = (node: Cluster["nodes"]["a"], event: RegExp) => node.records(event).filter((r) => r.recordingId === recordingId).length;
  const where = () =>
    `node A: ${onNode(cluster.nodes.a, /track-start/)} tracks, ${onNode(cluster.nodes.a, /composition started/)} compositions; ` +
    `node B: ${onNode(cluster.nodes.b, /track-start/)} tracks, ${onNode(cluster.nodes.b, /composition started/)} compositions`;

  const seen: string[] = [];
  await expect
    .poll(
      async () => {
        const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
        if (seen.at(-1) !== details.status) seen.push(details.status);
        if (details.status === "failed") throw new Error(`the recording failed: ${JSON.stringify(details.error ?? details)}`);
        return details.status as string;
      },
      { message: "the recording becomes ready", timeout: 60_000, intervals: [500] },
    )
    .toBe("ready");
  const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
  console.log(`recording ${recordingId}: ${seen.join(" → ")}; ${where()}; participants ${JSON.stringify(details.participants)}`);
  expect(details.participants.map((p: { displayName: string }) => p.displayName).sort(), "both participants are in the movie").toEqual([
    "Alice Agent",
    "Nora Node",
  ]);
  const movieDir = test.info().outputPath("movie");
  mkdirSync(movieDir, { recursive: true });
  const movie = await downloadAndProbe(agent.request, recordingId, movieDir);
  console.log(`movie: ${JSON.stringify(movie)}`);
  expect(movie.streams).toEqual(["audio", "video"]);
  expect(movie.durationSeconds).toBeGreaterThan(3.5);
  expect(movie.durationSeconds).toBeLessThan(15); // Start recording to Stop: publishers connect, 5 s, Stop
  // Composited on either node, from the recorder of node B (its own folder or fetched): both people, both tones.
  const content = expectMovieContent(movie.file, sent, { minToneShare: 0.6 });
  console.log(`movie content: ${JSON.stringify({ tiles: content.tiles.map((t) => [t.label, t.tile]), tones: content.tones })}`);

  // The console's Recordings page plays it.
  await agent.goto("/console/recordings");
  const listed = agent.locator(`[data-testid="recording-row"][data-recording-id="${recordingId}"]`);
  await expect(listed).toHaveAttribute("data-status", "ready");
  await listed.getByRole("button", { name: "Play", exact: true }).click();
  const player = agent.getByTestId("recording-player");
  await player.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime), { message: "the movie plays" }).toBeGreaterThan(1);
  await visitorContext.close();
  await agentContext.close();
});

test("node A dies during a call: the visitor reconnects to node B and the meeting point carries on", async ({ browser }) => {
  test.setTimeout(120_000);
  const { visitor, agent, contexts } = await openCall(browserThrough(browser, [cluster.fronts.a.url, cluster.fronts.b.url]), {
    visitorName: "Kai Killed",
  });
  await expectVideoPlaying(agent, "agent sees the visitor before the kill");
  const acked = ["before kill 1 (visitor)", "before kill 2 (agent)", "before kill 3 (visitor)"];
  await sendChat(visitor, agent, acked[0]!);
  await sendChat(agent, visitor, acked[1]!);
  await sendChat(visitor, agent, acked[2]!);
  const visitorToken = await visitor.evaluate(
    () => (JSON.parse(sessionStorage.getItem("vhd.visitor") ?? "{}") as { token?: string }).token,
  );
  expect(visitorToken).toBeTruthy();

  const routesBefore = cluster.fronts.a.routes.length;
  await cluster.kill(cluster.nodes.a);
  const killedAt = Date.now();
  await expect
    .poll(() => cluster.fronts.a.routes.slice(routesBefore).includes(CLUSTER_PORTS.nodeB), {
      message: "the visitor reconnects through front door A to node B",
      timeout: 20_000,
    })
    .toBe(true);

  // The meeting point continues: chat both ways after the kill, the call's video still flows.
  await sendChat(visitor, agent, "after the kill (visitor)");
  await sendChat(agent, visitor, "after the kill (agent)");
  await expectVideoPlaying(agent, "agent sees the visitor after the kill");
  await expectVideoPlaying(visitor, "visitor sees the agent after the kill");

  // Node B notices node A is silent (3 heartbeats) and gives its users the grace period: the visitor, back
  // on node B, must stay online, in the call and not "left" well past both.
  const until = killedAt + 15_000 + GRACE_SECONDS * 1000 + 3000;
  while (Date.now() < until) {
    expect(await progressShownToAgent(agent), "the agent still sees the visitor in the call").not.toBe("left");
    await expect(agent.getByTestId("tile-name").filter({ hasText: "Kai Killed" }), "the visitor's tile stays").toBeVisible();
    await agent.waitForTimeout(1000);
  }
  expect(await progressShownToAgent(agent)).toBe("in call");
  await expect(agent.getByTestId("remote-video")).toHaveCount(1);
  await expectVideoPlaying(agent, "agent still sees the visitor after the grace period");

  // No message acknowledged before the kill is missing from the history, read from node B.
  const socket = io(cluster.fronts.b.url, { auth: { visitorToken }, transports: ["websocket"], reconnection: false });
  try {
    const desk = new Desk(socket);
    const { meetingPoint } = await desk.request("ticket:mine", {});
    expect(meetingPoint, "the visitor still has its meeting point").toBeTruthy();
    const { messages } = await desk.request("chat:history", { meetingPointId: meetingPoint!.id });
    const bodies = messages.map((m) => m.body);
    for (const text of [...acked, "after the kill (visitor)", "after the kill (agent)"])
      expect(bodies, "history holds every message").toContain(text);
  } finally {
    socket.disconnect();
  }
  await agent.getByRole("button", { name: "Close ticket" }).click();
  await expect(visitor.getByTestId("ticket-finished")).toBeVisible();
  for (const c of contexts) await c.close();
});
