// Calls across real networks: a real coturn (Debian's `coturn`, use-auth-secret) on loopback and an app node
// configured with TURN_URLS/TURN_SECRET. Both browsers are forced to `iceTransportPolicy: "relay"`, so the call and
// the recorder's WHIP publishers can only connect through the relay, with the short-lived credential each user got
// from the server. coturn itself refuses an expired credential.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { agreeToRecording } from "@/tests/support/e2e/help-desk-call";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";
import { killOnExit, SERVER_ENTRY, startAppNode, waitHealthy, type AppNode } from "@/tests/support/e2e/cluster/app-node";

const hasCoturn = spawnSync("turnserver", ["--version"]).error === undefined;
test.skip(!hasCoturn || !existsSync(SERVER_ENTRY), "needs coturn (apt-get install coturn) and the production build");

// Ports of this file: app 3160, TURN 3479 (UDP/TCP), relay 49200-49299.
const APP_PORT = 3160;
const TURN_PORT = 3479;
const SECRET = "turn-e2e-static-auth-secret-0123";
const TURN_URL = `turn:127.0.0.1:${TURN_PORT}?transport=udp`;

let workDir: string;
let coturn: ChildProcess;
let coturnLog = "";
let app: AppNode;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  workDir = mkdtempSync(path.join(tmpdir(), "vhd-turn-"));
  coturn = spawn(
    "turnserver",
    [
      "-n",
      "--listening-ip=127.0.0.1",
      `--listening-port=${TURN_PORT}`,
      "--relay-ip=127.0.0.1",
      "--min-port=49200",
      "--max-port=49299",
      "--use-auth-secret",
      `--static-auth-secret=${SECRET}`,
      "--realm=vhd.test",
      "--no-tls",
      "--no-dtls",
      "--no-cli",
      // Everything here is on one machine: the peers (browsers, the recorder) are loopback addresses.
      "--allow-loopback-peers",
      "--log-file=stdout",
      "--simple-log",
      "--verbose",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  killOnExit(coturn);
  coturn.stdout!.on("data", (d: Buffer) => (coturnLog += d.toString()));
  coturn.stderr!.on("data", (d: Buffer) => (coturnLog += d.toString()));
  await expect.poll(() => coturnLog, { timeout: 10_000 }).toMatch(/listener opened/);
  app = startAppNode("turn-app", APP_PORT, workDir, {
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${APP_PORT}`,
    TURN_URLS: TURN_URL,
    TURN_SECRET: SECRET,
    TURN_TTL_SECONDS: "600",
    RECORDER_ICE_PORT_RANGE: "41600-41649",
    LOG_LEVEL: "warn",
  });
  await waitHealthy(app, 90_000);
});

test.afterAll(async () => {
  app?.process.kill("SIGKILL");
  coturn?.kill("SIGKILL");
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook asks for from this pattern
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus)
    console.log(`coturn log (tail):\n${coturnLog.split("\n").slice(-60).join("\n")}\napp:\n${app?.tail()}`);
});

/** Every RTCPeerConnection of the page is relay-only, and kept where the test can read its stats. */
function relayOnly() {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = made;
  const Relayed = function (this: unknown, config?: RTCConfiguration) {
    const pc = new Native({ ...config, iceTransportPolicy: "relay" });
    made.push(pc);
    return pc;
  } as unknown as typeof RTCPeerConnection;
  Relayed.prototype = Native.prototype;
  Object.defineProperty(Relayed, "generateCertificate", { value: Native.generateCertificate });
  window.RTCPeerConnection = Relayed;
}

/** For every connected peer connection of the page: its selected pair's local and remote candidate types. */
function selectedPairs(page: Page) {
  return page.evaluate(async () => {
    const out: { local: string; remote: string }[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState !== "connected") continue;
      const stats = [...(await pc.getStats()).values()] as Record<string, unknown>[];
      const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
      const pair = stats.find((s) => s.id === transport?.selectedCandidatePairId);
      const type = (id: unknown) => String(stats.find((s) => s.id === id)?.candidateType);
      if (pair) out.push({ local: type(pair.localCandidateId), remote: type(pair.remoteCandidateId) });
    }
    return out;
  });
}

async function relayedContext(browser: import("@playwright/test").Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: app.url });
  await context.addInitScript(relayOnly);
  return context;
}

test("relay-only browsers: the call and the recorder's publishers connect through coturn with per-user credentials", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const [visitorContext, agentContext] = [await relayedContext(browser), await relayedContext(browser)];
  const visitor = await visitorContext.newPage();
  const agent = await agentContext.newPage();
  await signIn(agent, "agent1", "agent1-pass");
  await visitor.goto("/visit");
  await visitor.getByLabel("Your name (optional)").fill("Tara Turn");
  await visitor.getByRole("button", { name: "Request video assistance" }).click();
  await expect(visitor.getByTestId("waiting-screen")).toBeVisible();
  await agent.getByRole("button", { name: "Take next ticket" }).click();
  await agent.getByRole("button", { name: "Invite to video" }).click();
  await visitor.getByRole("button", { name: "Accept" }).click();
  for (const page of [agent, visitor]) {
    await expect(page.getByTestId("remote-video")).toBeVisible({ timeout: 30_000 });
    await expect
      .poll(
        () =>
          page
            .getByTestId("remote-video")
            .first()
            .evaluate((v: HTMLVideoElement) => v.videoWidth),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
  }
  // The call's connections: relay candidates on this side (the only kind a relay-only browser offers).
  for (const page of [agent, visitor]) {
    const pairs = await selectedPairs(page);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect(pair.local).toBe("relay");
  }

  // Each got a credential of its own from the server, naming it and expiring in TURN_TTL_SECONDS.
  const usernames = await Promise.all(
    [agent, visitor].map((p) =>
      p.evaluate(() =>
        (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs.flatMap(
          (pc) => pc.getConfiguration().iceServers?.flatMap((s) => (s.username ? [s.username] : [])) ?? [],
        ),
      ),
    ),
  );
  const [agentUser, visitorUser] = usernames.map((list) => list[0]!);
  expect(agentUser).toMatch(/^\d+:agent-/);
  expect(visitorUser).toMatch(/^\d+:visitor-/);
  const expiry = Number(agentUser!.split(":")[0]);
  expect(expiry - Date.now() / 1000).toBeGreaterThan(500);
  expect(expiry - Date.now() / 1000).toBeLessThanOrEqual(600);

  // Recording: both browsers publish to the co-located recorder over WHIP, through the relay too.
  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  for (const page of [agent, visitor]) {
    await expect(page.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 30_000 });
  }
  const meetingPointId = await agent.getByTestId("ticket-panel").getAttribute("data-meeting-point");
  const recordingId = (await (await agent.request.get(`/api/meeting-points/${meetingPointId}`)).json()).recording.id as string;
  const manifest = path.join(app.dataDir, "recordings", recordingId, "manifest.jsonl");
  await expect
    .poll(
      () =>
        existsSync(manifest)
          ? readFileSync(manifest, "utf8")
              .split("\n")
              .filter((l) => l.includes('"track-start"')).length
          : 0,
      {
        timeout: 30_000,
      },
    )
    .toBe(4);
  for (const page of [agent, visitor]) {
    const pairs = await selectedPairs(page);
    expect(pairs.length, "call + WHIP publisher").toBeGreaterThanOrEqual(2);
    for (const pair of pairs) expect(pair.local).toBe("relay");
  }
  // coturn saw allocations and permissions for both users.
  expect(coturnLog).toContain(agentUser!);
  expect(coturnLog).toContain(visitorUser!);
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await agent.getByRole("button", { name: "Close ticket" }).click();
  await visitorContext.close();
  await agentContext.close();
});

test("coturn refuses an expired credential (401) and accepts a fresh one", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: app.url });
  const page = await context.newPage();
  await page.goto("/visit");
  const credential = (expiresInSeconds: number) => {
    const username = `${Math.floor(Date.now() / 1000) + expiresInSeconds}:visitor-probe`;
    return { urls: TURN_URL, username, credential: createHmac("sha1", SECRET).update(username).digest("base64") };
  };
  const gather = (server: RTCIceServer) =>
    page.evaluate(async (iceServer) => {
      const pc = new RTCPeerConnection({ iceServers: [iceServer], iceTransportPolicy: "relay" });
      const relays: string[] = [];
      const errors: number[] = [];
      pc.addEventListener("icecandidate", (e) => e.candidate && relays.push(e.candidate.type ?? ""));
      pc.addEventListener("icecandidateerror", (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode));
      pc.createDataChannel("probe");
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === "complete") return resolve();
        pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
        setTimeout(resolve, 10_000);
      });
      pc.close();
      return { relays, errors };
    }, server);
  const fresh = await gather(credential(300));
  expect(fresh.relays).toContain("relay");
  const expired = await gather(credential(-60));
  expect(expired.relays).toEqual([]);
  expect(expired.errors).toContain(401);
  await context.close();
});
