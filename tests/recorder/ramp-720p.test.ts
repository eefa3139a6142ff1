// Bandwidth estimation: with werift's TWCC, Chromium's send rate collapsed and video stayed small. Without it,
// and with the bitrate hints in the answer, a 720p camera must reach the recorder at 1280x720 within ~10 s.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, readManifest, type WhipHandler } from "@/recorder/ingest";
import { haveBrowserAndFfmpeg, launchPublisherBrowser, publishInPage, serveIngest } from "@/tests/support/recorder/chromium-publisher";

// UDP ports of this file: 45900-45959.
const secret = "ramp-secret-ramp-secret-ramp-secret";
const dir = mkdtempSync(path.join(os.tmpdir(), "ramp-720p-"));
let served: Awaited<ReturnType<typeof serveIngest>> | undefined;
let handler: WhipHandler;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!haveBrowserAndFfmpeg) return;
  handler = createRecorderIngest({ tokenSecret: secret, directory: dir, icePortRange: [45_900, 45_959], loopback: true });
  served = await serveIngest(handler);
  origin = served.origin;
  browser = await launchPublisherBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveBrowserAndFfmpeg)("ingest reaches the publisher's full resolution", () => {
  it("a 1280x720 camera arrives at 1280x720 within 10 s", async () => {
    const token = issuePublisherToken(secret, { recordingId: "rec-720", participantId: "cam", displayName: "Cam" });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.evaluate(publishInPage, { whipUrl: `${origin}/whip/rec-720`, token, width: 1280, height: 720, seconds: 14 });
    await page.close();
    const events = readManifest(dir, "rec-720");
    const start = events.find((e) => e.type === "track-start" && e.kind === "video") as { mediaZeroMs: number } | undefined;
    expect(start).toBeDefined();
    const sizes = events.filter((e) => e.type === "video-size") as unknown as { mediaMs: number; width: number; height: number }[];
    console.log(`video sizes over time: ${sizes.map((s) => `${(s.mediaMs / 1000).toFixed(1)} s ${s.width}x${s.height}`).join(", ")}`);
    const full = sizes.find((s) => s.width === 1280 && s.height === 720);
    expect(full, "reached 1280x720").toBeDefined();
    expect(full!.mediaMs).toBeLessThanOrEqual(10_000);
  }, 60_000);
});
