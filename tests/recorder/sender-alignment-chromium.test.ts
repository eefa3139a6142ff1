import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { transformSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrackSyncLine } from "@/lib/recording-manifest/schema";
import { createRecorderIngest, issuePublisherToken, readManifest, type WhipHandler } from "@/recorder/ingest";
import { haveBrowserAndFfmpeg, launchPublisherBrowser } from "@/tests/support/recorder/chromium-publisher";

// The app's own browser WHIP client (trickle ICE by default), bundled for the page.
const whipPublisherBundle = transformSync(readFileSync(new URL("../../lib/rtc/whip-publisher.ts", import.meta.url), "utf8"), {
  loader: "ts",
  format: "iife",
  globalName: "Whip",
  target: "es2022",
}).code;

const secret = "alignment-secret";
const dir = mkdtempSync(path.join(os.tmpdir(), "sender-align-chromium-"));
let server: http.Server;
let handler: WhipHandler;
let origin: string;
let browser: Browser;
const patchStatuses: number[] = [];
const answers: string[] = [];
const serverEvents: { event: string; atMs: number; state?: unknown }[] = [];

beforeAll(async () => {
  if (!haveBrowserAndFfmpeg) return;
  handler = createRecorderIngest({
    tokenSecret: secret,
    directory: dir,
    icePortRange: [45_400, 45_459],
    loopback: true,
    minFreeBytes: 1,
    log: (event, data) => serverEvents.push({ event, atMs: Date.now(), state: data.state }),
  });
  server = http.createServer(async (req, res) => {
    if (req.method === "PATCH") res.once("finish", () => patchStatuses.push(res.statusCode));
    if (req.method === "POST") {
      const end = res.end.bind(res) as (body?: unknown) => http.ServerResponse;
      res.end = ((body?: unknown) => {
        answers.push(String(body ?? ""));
        return end(body);
      }) as typeof res.end;
    }
    if (await handler(req, res)) return;
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>publisher</title>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchPublisherBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await handler?.closeAll();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

// Plain JS (tsx/vitest helpers do not exist in the page): WhipPublisher.start, publish, stop (DELETE).
const PUBLISH = (whipUrl: string, token: string, seconds: number) => `(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  const p = new Whip.WhipPublisher({ whipUrl: ${JSON.stringify(whipUrl)}, token: ${JSON.stringify(token)} }, {});
  const t0 = Date.now();
  await p.start({ audio: stream.getAudioTracks()[0], video: stream.getVideoTracks()[0] });
  const startedMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, ${seconds * 1000}));
  await p.stop();
  stream.getTracks().forEach((t) => t.stop());
  return { t0, startedMs };
})()`;

describe.skipIf(!haveBrowserAndFfmpeg)("alignment of file time 0 from Chromium's sender reports", () => {
  it("alignedZeroMs is within 20 ms of the sender's clock on loopback; trickle ICE PATCHes are accepted", async () => {
    const token = issuePublisherToken(secret, { recordingId: "rec-align", participantId: "alice", displayName: "Alice" });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.addScriptTag({ content: whipPublisherBundle });
    const { t0 } = (await page.evaluate(PUBLISH(`${origin}/whip/rec-align`, token, 7))) as { t0: number; startedMs: number };
    await page.close();
    expect(handler.sessionCount).toBe(0);
    expect(patchStatuses.length).toBeGreaterThan(0);
    expect(patchStatuses.every((s) => s === 204)).toBe(true);

    const manifest = readManifest(dir, "rec-align");
    const starts = manifest.filter((e) => e.type === "track-start");
    expect(starts.map((s) => s.kind).sort()).toEqual(["audio", "video"]);
    const [sessionId] = readdirSync(path.join(dir, "rec-align", "alice"));
    for (const start of starts) {
      const syncs = manifest.filter((e): e is TrackSyncLine => e.type === "track-sync" && e.trackId === start.trackId);
      expect(syncs.length, `${start.kind} track-sync`).toBeGreaterThan(0);
      const last = syncs.at(-1) as unknown as { mediaZeroNtpMs: number; transitMs: number; alignedZeroMs: number };
      // Each later line is a better (lower-transit) estimate.
      for (let k = 1; k < syncs.length; k++) expect(syncs[k].transitMs as number).toBeLessThan(syncs[k - 1].transitMs as number);
      // The sender's clock for file time 0, recomputed from every SR in the timing sidecar.
      const timing = readFileSync(
        path.join(dir, "rec-align", "alice", sessionId, `${path.basename(String(start.file)).replace(/\.(webm|mkv)$/, "")}.timing.jsonl`),
        "utf8",
      )
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const track = timing.find((l) => l.type === "track");
      const first = timing.find((l) => l.type === "first-packet");
      const senderZero = timing
        .filter((l) => l.type === "sr")
        .map((sr) => sr.ntpUnixMs - ((sr.rtp - first.originRtp) * 1000) / track.clockRate);
      expect(senderZero.length).toBeGreaterThan(0);
      for (const z of senderZero)
        expect(Math.abs(last.alignedZeroMs - z), `${start.kind}: aligned ${last.alignedZeroMs} vs sender ${z}`).toBeLessThan(20);
      expect(Math.abs(last.alignedZeroMs - (last.mediaZeroNtpMs + last.transitMs))).toBeLessThan(0.2);
      // First-packet arrival comes after the capture instant; the aligned zero (capture + the least SR delay
      // seen, a few ms even on a loaded machine) is not much later than it.
      expect(last.alignedZeroMs).toBeLessThan((start.mediaZeroMs as number) + 20);
      expect(last.alignedZeroMs).toBeGreaterThan(t0);
      console.log(
        `${start.kind}: mediaZeroMs - senderZero = ${((start.mediaZeroMs as number) - senderZero[0]).toFixed(1)} ms, ` +
          `alignedZeroMs - senderZero = ${(last.alignedZeroMs - senderZero[0]).toFixed(1)} ms (${syncs.length} track-sync lines)`,
      );
    }
    // The recorder answers as DTLS server (werift as client waits 100 ms after ICE before its ClientHello).
    expect(answers[0]).toMatch(/^a=setup:passive\r?$/m);
    expect(answers[0]).not.toMatch(/^a=setup:(active|actpass)/m);
    const ice = serverEvents.find((e) => e.event === "ice-state" && e.state === "connected")!;
    const dtls = serverEvents.find((e) => e.event === "connection-state" && e.state === "connected")!;
    console.log(`recorder: ICE connected → DTLS connected ${dtls.atMs - ice.atMs} ms (first handshake of the process)`);
  }, 40_000);
});
