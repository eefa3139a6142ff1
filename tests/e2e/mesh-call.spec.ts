// The WebRTC mesh in real Chromium, without the app server: a static server on 127.0.0.1 serves a harness page
// bundled on the fly, and the pages of one browser context signal each other over BroadcastChannel.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build } from "esbuild";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "@/tests/support/e2e/chromium";
import type { VideoStat } from "@/tests/support/e2e/fixtures/rtc-harness";

const fixtures = path.join(import.meta.dirname, "../support/e2e/fixtures");
test.use({
  launchOptions: {
    executablePath: chromiumPath,
    args: chromiumArgs({
      // Two fake cameras for the device switch; the same flag also makes getDisplayMedia return a fake screen.
      fakeDevice: "device-count=2",
      // Four pages of one browser encode and decode 12 streams; background pages must not be throttled.
      extra: ["--disable-renderer-backgrounding", "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"],
    }),
  },
});

let server: Server;
let harnessUrl: string;

test.beforeAll(async () => {
  const bundle = await build({
    entryPoints: [path.join(fixtures, "rtc-harness.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    jsx: "automatic",
    outdir: "/rtc-harness", // not written (write: false); names the outputs
    write: false,
    sourcemap: "inline",
    define: { "process.env.NODE_ENV": '"production"' },
    logOverride: { "module-level-directive": "silent" }, // "use client" means nothing outside Next
  });
  const files = new Map<string, { type: string; body: Buffer | string }>([
    ["/", { type: "text/html", body: readFileSync(path.join(fixtures, "rtc-harness.html")) }],
    ["/rtc-harness.css", { type: "text/css", body: "" }],
  ]);
  for (const out of bundle.outputFiles) {
    const type = out.path.endsWith(".css") ? "text/css" : "text/javascript";
    files.set(`/${path.basename(out.path)}`, { type, body: Buffer.from(out.contents) });
  }
  server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? "/", "http://x").pathname);
    res.writeHead(file ? 200 : 404, { "content-type": file?.type ?? "text/plain", "cache-control": "no-store" });
    res.end(file?.body ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  harnessUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

let roomCounter = 0;

/** Opens one page per id in a shared room; `query` adds harness parameters (view=react, nomedia, ...). */
async function join(context: BrowserContext, room: string, id: string, query = ""): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${id}] ${err.message}`));
  await page.goto(`${harnessUrl}?id=${id}&room=${room}${query ? `&${query}` : ""}`);
  await page.evaluate(() => window.rtc.ready);
  return page;
}

async function setRoster(pages: Page[], ids: string[]): Promise<void> {
  await Promise.all(pages.map((page) => page.evaluate((all) => window.rtc.setPeers(all), ids)));
}

const peerStates = (page: Page) => page.evaluate(() => window.rtc.state().peers);

async function expectConnected(page: Page, ids: string[]): Promise<void> {
  await expect
    .poll(async () => (await peerStates(page)).map((p) => `${p.userId}:${p.state}`).sort(), { timeout: 20_000 })
    .toEqual(ids.map((id) => `${id}:connected`).sort());
}

/** Every video of `testId` from `peers` has frames and its currentTime advances between two looks ~1 s apart. */
async function expectPlaying(page: Page, testId: string, peers: string[]): Promise<void> {
  const sample = async () => (await page.evaluate(() => window.rtc.videos())).filter((v: VideoStat) => v.testId === testId);
  await expect
    .poll(
      async () =>
        (await sample())
          .filter((v) => v.width > 0)
          .map((v) => v.peer)
          .sort(),
      { timeout: 20_000 },
    )
    .toEqual([...peers].sort());
  const first = await sample();
  await page.waitForTimeout(1000);
  const second = await sample();
  for (const peer of peers) {
    const before = first.find((v) => v.peer === peer)!;
    const after = second.find((v) => v.peer === peer)!;
    expect(after.width, `${testId} from ${peer}`).toBeGreaterThan(0);
    expect(after.time, `${testId} from ${peer} advances`).toBeGreaterThan(before.time);
  }
}

const others = (ids: string[], id: string) => ids.filter((x) => x !== id);

test("four participants form a full mesh; media, mute state, device switch and ICE restart work", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const room = `mesh-${++roomCounter}`;
  const ids = ["a", "b", "c", "d"];
  const pages = await Promise.all(ids.map((id) => join(context, room, id)));
  await setRoster(pages, ids); // the roster includes the local user, as the server's does

  for (const [i, page] of pages.entries()) await expectConnected(page, others(ids, ids[i]));
  for (const [i, page] of pages.entries()) await expectPlaying(page, "remote-video", others(ids, ids[i]));

  const [a, b, c, d] = pages;
  await a.evaluate(() => window.rtc.call!.setAudioEnabled(false));
  await a.evaluate(() => window.rtc.call!.setVideoEnabled(false));
  for (const page of [b, c, d]) {
    await expect
      .poll(async () => (await peerStates(page)).find((p) => p.userId === "a"))
      .toMatchObject({ audioEnabled: false, videoEnabled: false });
  }
  await a.evaluate(() => window.rtc.call!.setAudioEnabled(true));
  await a.evaluate(() => window.rtc.call!.setVideoEnabled(true));
  await expect
    .poll(async () => (await peerStates(b)).find((p) => p.userId === "a"))
    .toMatchObject({ audioEnabled: true, videoEnabled: true });

  const label = await b.evaluate(() => window.rtc.switchCamera());
  expect(await b.evaluate(() => window.rtc.localVideoLabel())).toBe(label);
  for (const page of [a, c, d]) await expectPlaying(page, "remote-video", others(ids, ids[pages.indexOf(page)]));

  const ufragsBefore = await a.evaluate(() => window.rtc.remoteIceUfrags());
  await c.evaluate(() => window.rtc.call!.restartIce());
  await expect
    .poll(async () => (await a.evaluate(() => window.rtc.remoteIceUfrags())).filter((u) => !ufragsBefore.includes(u)))
    .toHaveLength(1);
  for (const page of [a, b, d]) await expectConnected(page, others(ids, ids[pages.indexOf(page)]));
  await expectPlaying(c, "remote-video", ["a", "b", "d"]);
  await context.close();
});

test("screen share is its own stream, reaches a late joiner, ends from the browser UI; removed peers disappear", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const room = `screen-${++roomCounter}`;
  const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => join(context, room, id)));
  await setRoster([a, b, c], ["a", "b", "c"]);
  await expectConnected(b, ["a", "c"]);

  await a.evaluate(() => window.rtc.call!.startScreenShare());
  for (const page of [b, c]) {
    await expectPlaying(page, "screen-video", ["a"]);
    await expectPlaying(page, "remote-video", page === b ? ["a", "c"] : ["a", "b"]);
    const fromA = (await peerStates(page)).find((p) => p.userId === "a")!;
    expect(fromA.screenStreamId).not.toBeNull();
    expect(fromA.screenStreamId).not.toBe(fromA.cameraStreamId);
  }

  const d = await join(context, room, "d");
  await setRoster([a, b, c, d], ["a", "b", "c", "d"]);
  await expectConnected(d, ["a", "b", "c"]);
  await expectPlaying(d, "screen-video", ["a"]);
  await expectPlaying(d, "remote-video", ["a", "b", "c"]);

  await a.evaluate(() => window.rtc.endShareFromBrowser());
  expect(await a.evaluate(() => window.rtc.state().local.sharing)).toBe(false);
  for (const page of [b, c, d]) {
    await expect.poll(async () => (await page.evaluate(() => window.rtc.videos())).filter((v) => v.testId === "screen-video")).toEqual([]);
  }

  // A second share goes through a fresh transceiver after the first one was stopped.
  await b.evaluate(() => window.rtc.call!.startScreenShare());
  await expectPlaying(d, "screen-video", ["b"]);
  await b.evaluate(() => window.rtc.call!.stopScreenShare());
  await expect.poll(async () => (await peerStates(d)).find((p) => p.userId === "b")?.screenStreamId).toBeNull();

  await c.evaluate(() => window.rtc.call!.close());
  await setRoster([a, b, d], ["a", "b", "d"]);
  for (const [page, id] of [
    [a, "a"],
    [b, "b"],
    [d, "d"],
  ] as const) {
    await expect.poll(async () => (await peerStates(page)).map((p) => p.userId)).toEqual(others(["a", "b", "d"], id));
    await expect
      .poll(async () => (await page.evaluate(() => window.rtc.videos())).map((v) => v.peer).sort())
      .toEqual(others(["a", "b", "d"], id));
  }
  await context.close();
});

test("a participant without camera and microphone still receives, and can turn the camera on later", async ({ browser }) => {
  const context = await browser.newContext();
  const room = `nomedia-${++roomCounter}`;
  const a = await join(context, room, "a");
  const b = await join(context, room, "b", "nomedia");
  await setRoster([a, b], ["a", "b"]);
  await expectConnected(a, ["b"]);
  await expectPlaying(b, "remote-video", ["a"]);
  await expect.poll(async () => (await peerStates(a))[0]).toMatchObject({ audioEnabled: false, videoEnabled: false });

  await b.evaluate(() => window.rtc.call!.setVideoEnabled(true));
  await expect.poll(async () => (await peerStates(a))[0]).toMatchObject({ videoEnabled: true });
  await expectPlaying(a, "remote-video", ["b"]);
  await context.close();
});

for (const relay of ["keeps", "drops"] as const) {
  test(`a participant who reloads reconnects (relay ${relay} session ids)`, async ({ browser }) => {
    const context = await browser.newContext();
    const room = `reload-${relay}-${++roomCounter}`;
    const query = relay === "drops" ? "nosession" : "";
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((id) => join(context, room, id, query)));
    await setRoster([a, b, c], ["a", "b", "c"]);
    await expectPlaying(a, "remote-video", ["b", "c"]);

    // The server keeps a reloading user in the roster (presence grace), so the others never see them leave.
    await b.reload();
    await b.evaluate(() => window.rtc.ready);
    await setRoster([b], ["a", "b", "c"]);
    await expectConnected(b, ["a", "c"]);
    await expectPlaying(b, "remote-video", ["a", "c"]);
    for (const page of [a, c]) await expectPlaying(page, "remote-video", page === a ? ["b", "c"] : ["a", "b"]);
    await context.close();
  });
}

test("a connection whose ICE candidates were lost recovers by itself (watchdog ICE restart)", async ({ browser }) => {
  const context = await browser.newContext();
  const room = `lost-${++roomCounter}`;
  const [a, b] = await Promise.all(["a", "b"].map((id) => join(context, room, id, "losecandidates=4000")));
  await setRoster([a, b], ["a", "b"]);
  await a.waitForTimeout(2000);
  expect((await peerStates(a))[0].state).toBe("connecting");
  await expectConnected(a, ["b"]);
  await expectPlaying(a, "remote-video", ["b"]);
  await context.close();
});

test("CallView: names, controls with their accessible names, mute and camera state, screen tile, leave", async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext();
  const room = `view-${++roomCounter}`;
  const alice = await join(context, room, "a", "view=react");
  const bob = await join(context, room, "b", "view=react");
  await setRoster([alice], ["a", "b"]); // Bob's page has not heard of the call yet
  await expect(alice.locator('[data-testid="tile"][data-peer="b"] [data-testid="tile-state"]')).toHaveText("Connecting…");
  await setRoster([bob], ["a", "b"]);

  for (const [page, names] of [
    [alice, ["Alice", "Bob"]],
    [bob, ["Bob", "Alice"]],
  ] as const) {
    await expect(page.getByTestId("tile-name")).toHaveText([...names]);
    await expect(page.getByTestId("local-video")).toHaveCount(1);
  }
  await expectPlaying(bob, "remote-video", ["a"]);
  await expect(bob.getByTestId("remote-video")).toHaveAttribute("data-peer", "a");
  await expect(bob.getByTestId("tile-state")).toHaveCount(0); // connected: no badge

  await alice.getByRole("button", { name: "Mute", exact: true }).click();
  await expect(alice.getByRole("button", { name: "Unmute", exact: true })).toBeVisible();
  await expect(bob.locator('[data-testid="tile"][data-peer="a"] [data-testid="tile-muted"]')).toBeVisible();

  await alice.getByRole("button", { name: "Stop camera", exact: true }).click();
  await expect(alice.getByRole("button", { name: "Start camera", exact: true })).toBeVisible();
  await expect(bob.locator('[data-testid="tile"][data-peer="a"]')).toHaveAttribute("data-video", "off");
  await alice.getByRole("button", { name: "Start camera", exact: true }).click();
  await expect(bob.locator('[data-testid="tile"][data-peer="a"]')).toHaveAttribute("data-video", "on");

  const camera = alice.getByLabel("Camera", { exact: true });
  await expect(alice.getByLabel("Microphone", { exact: true })).toBeEnabled();
  await expect(camera.locator("option")).toHaveCount(2);
  const other = await camera
    .locator("option")
    .evaluateAll(
      (options, current) => options.map((o) => (o as HTMLOptionElement).value).find((v) => v !== current),
      await camera.inputValue(),
    );
  await camera.selectOption(other!);
  await expect(camera).toHaveValue(other!);
  await expectPlaying(bob, "remote-video", ["a"]);

  await alice.getByRole("button", { name: "Share screen", exact: true }).click();
  await expect(alice.getByRole("button", { name: "Stop sharing", exact: true })).toBeVisible();
  await expectPlaying(bob, "screen-video", ["a"]);
  await expect(bob.getByTestId("screen-name")).toHaveText("Alice");
  await alice.getByRole("button", { name: "Stop sharing", exact: true }).click();
  await expect(bob.getByTestId("screen-video")).toHaveCount(0);

  await bob.getByRole("button", { name: "Leave", exact: true }).click();
  expect(await bob.evaluate(() => window.rtc.left)).toBe(true);
  await setRoster([alice], ["a"]);
  await expect(alice.getByTestId("tile-name")).toHaveText(["Alice"]);
  await expect(alice.getByTestId("remote-video")).toHaveCount(0);
  await context.close();
});
