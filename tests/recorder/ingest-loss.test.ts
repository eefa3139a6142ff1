import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, type WhipHandler } from "@/recorder/ingest";
import { haveBrowserAndFfmpeg, launchPublisherBrowser, publishInPage, serveIngest } from "@/tests/support/recorder/chromium-publisher";
import { probe } from "@/tests/support/recorder/synthetic-media";

const secret = "loss-secret";
const dir = mkdtempSync(path.join(os.tmpdir(), "ingest-loss-"));
let served: Awaited<ReturnType<typeof serveIngest>> | undefined;
let handler: WhipHandler;
let origin: string;
let browser: Browser;
const impairment: { byPayloadType: Record<number, number>; rtxPayloadTypes: number[]; dropped: number; delayed: number; seen: number }[] =
  [];

beforeAll(async () => {
  if (!haveBrowserAndFfmpeg) return;
  handler = createRecorderIngest({
    tokenSecret: secret,
    directory: dir,
    icePortRange: [45_200, 45_399],
    loopback: true,
    // 5 % dropped and 5 % delayed by 20-80 ms, before werift's SRTP and NACK handling.
    impairment: { lossRate: 0.05, reorderRate: 0.05, delayMs: [20, 80], seed: 7 },
    log: (event, data) => event === "impairment" && impairment.push(data as never),
  });
  served = await serveIngest(handler);
  origin = served.origin;
  browser = await launchPublisherBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (process.env.KEEP_RECORDER_E2E) console.log(`recordings kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveBrowserAndFfmpeg)("ingest under 5 % loss and 5 % reordering (Chromium, 640x480)", () => {
  it("recovers with NACK retransmissions and writes clean files that start on a keyframe", async () => {
    const token = issuePublisherToken(secret, { recordingId: "rec-loss", participantId: "lossy", displayName: "L" });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const r = await page.evaluate(publishInPage, { whipUrl: `${origin}/whip/rec-loss`, token, seconds: 6, width: 640, height: 480 });
    await page.close();
    expect(r.deleteStatus).toBe(200);

    const [sessionId] = readdirSync(path.join(dir, "rec-loss", "lossy"));
    const sessionDir = path.join(dir, "rec-loss", "lossy", sessionId);
    const media = readdirSync(sessionDir).filter((f) => /\.(webm|mkv)$/.test(f));
    expect(media.length).toBe(2);
    for (const f of media) {
      const p = probe(path.join(sessionDir, f));
      expect(p.decodeErrors, f).toBe("");
      expect(p.duration, f).toBeGreaterThan(4.5);
      if (f.includes("video")) {
        expect(p.firstPacket.flags).toContain("K");
        const frames = execFileSync(
          "ffprobe",
          ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path.join(sessionDir, f)],
          { encoding: "utf8" },
        );
        expect(Number(frames)).toBeGreaterThan(60);
      }
    }
    const videoTiming = readFileSync(
      path.join(sessionDir, media.find((f) => f.includes("video"))!.replace(/\.(webm|mkv)$/, ".timing.jsonl")),
      "utf8",
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const end = videoTiming.find((l) => l.type === "end");
    const meta = JSON.parse(readFileSync(path.join(sessionDir, "session.json"), "utf8"));
    const videoStats = Object.entries(meta.stats.tracks).find(([id]) => id.endsWith("-video"))![1] as Record<string, number>;
    console.log(
      "video under impairment:",
      JSON.stringify({
        nacksSent: end.nacksSent,
        packetsRecovered: end.packetsRecovered,
        lostForGood: end.reorder.lost,
        late: end.reorder.late,
        framesWritten: end.framesWritten,
        gateDropped: end.gate.dropped,
        keyframeRequests: end.gate.requests,
      }),
    );
    // Retransmissions came as RTX (RFC 4588), which werift unwrapped into the original stream.
    const [imp] = impairment;
    const rtxPackets = imp.rtxPayloadTypes.reduce((n, pt) => n + (imp.byPayloadType[pt] ?? 0), 0);
    console.log("impairment:", JSON.stringify({ seen: imp.seen, dropped: imp.dropped, delayed: imp.delayed, rtxPackets }));
    expect(imp.dropped).toBeGreaterThan(10);
    expect(imp.delayed).toBeGreaterThan(10);
    expect(rtxPackets).toBeGreaterThan(5);
    // werift really NACKed and the sender really retransmitted.
    expect(end.nacksSent).toBeGreaterThan(5);
    expect(end.packetsRecovered).toBeGreaterThan(5);
    expect(videoStats).toMatchObject({ nacksSent: end.nacksSent, packetsRecovered: end.packetsRecovered });
    // Most losses are repaired: far fewer packets are given up than the ~5 % dropped.
    expect(end.reorder.lost).toBeLessThan(end.packetsRecovered);
  }, 60_000);
});
