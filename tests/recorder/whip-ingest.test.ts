import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRecorderIngest,
  createWhipHandler,
  issuePublisherToken,
  publisherSessionFactory,
  RawTrackWriter,
  verifyPublisherToken,
  type WhipHandler,
} from "@/recorder/ingest";
import { probe } from "@/tests/support/recorder/synthetic-media";

const CHROMIUM = "/usr/bin/chromium";
const haveTools =
  existsSync(CHROMIUM) &&
  (() => {
    try {
      execFileSync("ffprobe", ["-version"]);
      return true;
    } catch {
      return false;
    }
  })();

const secret = "e2e-secret";
const dir = mkdtempSync(path.join(os.tmpdir(), "whip-ingest-"));
let server: http.Server;
let handler: WhipHandler;
/** Same pipeline, but every 150th video packet is dropped before the writer sees it. */
let lossyHandler: WhipHandler;
let origin: string;
let browser: Browser;
const events: string[] = [];

/**
 * A minimal standard WHIP client (RFC 9725 §4.2). Without trickle it waits for ICE gathering and
 * POSTs a complete offer; with trickle it POSTs at once and PATCHes candidates as they come.
 */
async function publishFromPage(o: {
  whipUrl: string;
  token: string;
  seconds: number;
  preferH264: boolean;
  trickle: boolean;
  vanish: boolean;
}) {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) {
    const t = pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    if (o.preferH264 && track.kind === "video") {
      const codecs = RTCRtpSender.getCapabilities("video")!.codecs;
      t.setCodecPreferences([...codecs.filter((c) => c.mimeType === "video/H264"), ...codecs.filter((c) => c.mimeType !== "video/H264")]);
    }
  }
  const auth = { Authorization: `Bearer ${o.token}` };
  const early: RTCIceCandidate[] = [];
  const patchStatuses: number[] = [];
  let location = "";
  let etag = "";
  let gatheringDone = false;
  const patch = async (cands: RTCIceCandidate[], end: boolean) => {
    const ice = pc.localDescription!.sdp.match(/a=ice-ufrag:(.*)\r\na=ice-pwd:(.*)\r\n/)!;
    const lines = [`a=ice-ufrag:${ice[1]}`, `a=ice-pwd:${ice[2]}`];
    for (const c of cands) lines.push(`m=audio 9 UDP/TLS/RTP/SAVPF 0`, `a=mid:${c.sdpMid}`, `a=${c.candidate}`);
    if (end) lines.push("a=end-of-candidates");
    const r = await fetch(location, {
      method: "PATCH",
      headers: { ...auth, "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag },
      body: `${lines.join("\r\n")}\r\n`,
    });
    patchStatuses.push(r.status);
  };
  pc.addEventListener("icecandidate", (e) => {
    if (!o.trickle) return;
    if (!e.candidate) gatheringDone = true;
    if (!location) {
      if (e.candidate) early.push(e.candidate);
      return;
    }
    void patch(e.candidate ? [e.candidate] : [], !e.candidate);
  });
  await pc.setLocalDescription(await pc.createOffer());
  if (!o.trickle) {
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 2000);
    });
  }
  const res = await fetch(o.whipUrl, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/sdp" },
    body: pc.localDescription!.sdp,
  });
  if (res.status !== 201) throw new Error(`POST ${res.status}: ${await res.text()}`);
  location = new URL(res.headers.get("Location")!, o.whipUrl).toString();
  etag = res.headers.get("ETag") ?? "";
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  if (o.trickle && (early.length || gatheringDone)) await patch(early, gatheringDone);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === "connected") resolve();
      if (pc.connectionState === "failed") reject(new Error("connection failed"));
    };
    pc.addEventListener("connectionstatechange", check);
    check();
  });
  const connectMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const stats = await pc.getStats();
  let codec = "";
  stats.forEach((s) => {
    if (s.type === "codec" && String(s.mimeType).startsWith("video/")) codec = s.mimeType;
  });
  // A vanishing publisher leaves without DELETE; the page is closed under it.
  if (o.vanish) return { connectMs, deleteStatus: 0, codec, patchStatuses };
  const del = await fetch(location, { method: "DELETE", headers: auth });
  pc.close();
  for (const t of stream.getTracks()) t.stop();
  return { connectMs, deleteStatus: del.status, codec, patchStatuses };
}

beforeAll(async () => {
  if (!haveTools) return;
  handler = createRecorderIngest({
    tokenSecret: secret,
    directory: dir,
    icePortRange: [49_000, 49_200],
    loopback: true,
    inactivityTimeoutMs: 3000,
    log: (event) => events.push(event),
  });
  lossyHandler = createWhipHandler({
    basePath: "/whip-lossy",
    verifyPublisherToken: (t) => verifyPublisherToken(secret, t),
    sessionFactory: publisherSessionFactory({
      icePortRange: [49_300, 49_400],
      loopback: true,
      createTrackSink: (track, req) => {
        const writer = new RawTrackWriter(track, { directory: path.join(dir, "lossy", req.claims.participantId) });
        let n = 0;
        return {
          onRtp: (p) => (track.kind === "video" && ++n % 150 === 0 ? undefined : writer.onRtp(p)),
          onSenderReport: (sr) => writer.onSenderReport(sr),
          close: () => writer.close(),
        };
      },
    }),
  });
  server = http.createServer(async (req, res) => {
    if (await handler(req, res)) return;
    if (await lossyHandler(req, res)) return;
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>publisher</title>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--allow-loopback-in-peer-connection",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await handler?.closeAll();
  await lossyHandler?.closeAll();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (process.env.KEEP_RECORDER_E2E) console.log(`recordings kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

async function recordAndCheck(participantId: string, opts: { preferH264?: boolean; trickle?: boolean; vanish?: boolean } = {}) {
  const token = issuePublisherToken(secret, { recordingId: "rec-e2e", participantId, displayName: participantId });
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  const result = await page
    .evaluate(publishFromPage, {
      whipUrl: `${origin}/whip/rec-e2e`,
      token,
      seconds: 5,
      preferH264: !!opts.preferH264,
      trickle: !!opts.trickle,
      vanish: !!opts.vanish,
    })
    .catch((e) => {
      throw new Error(`publisher failed: ${e}`);
    });
  await page.close();
  if (opts.vanish) {
    const deadline = Date.now() + 20_000;
    while (handler.sessionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 300)); // session.json is rewritten right after the close
  } else {
    expect(result.deleteStatus).toBe(200);
  }
  expect(handler.sessionCount).toBe(0);
  const [sessionId] = readdirSync(path.join(dir, "rec-e2e", participantId));
  const trackDir = path.join(dir, "rec-e2e", participantId, sessionId);
  const meta = JSON.parse(readFileSync(path.join(trackDir, "session.json"), "utf8"));
  expect(meta).toMatchObject({
    sessionId,
    participantId,
    displayName: participantId,
    endReason: opts.vanish ? expect.any(String) : "deleted",
  });
  const files = readdirSync(trackDir);
  const media = files.filter((f) => /\.(webm|mkv)$/.test(f)).map((f) => path.join(trackDir, f));
  expect(media.length).toBe(2);
  const probes = media.map((f) => ({ f, ...probe(f) }));
  for (const p of probes) {
    expect(p.decodeErrors, p.f).toBe("");
    expect(p.duration, p.f).toBeGreaterThan(4);
    expect(p.duration, p.f).toBeLessThan(6);
  }
  const video = probes.find((p) => p.streams[0].codec_type === "video")!;
  const audio = probes.find((p) => p.streams[0].codec_type === "audio")!;
  expect(video.firstPacket.flags).toContain("K");
  expect(audio.streams[0].codec_name).toBe("opus");
  const timing = files
    .filter((f) => f.endsWith(".timing.jsonl"))
    .map((f) =>
      readFileSync(path.join(trackDir, f), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    );
  expect(timing.length).toBe(2);
  for (const lines of timing) {
    expect(lines.filter((l) => l.type === "sr").length).toBeGreaterThan(0);
    const sr = lines.find((l) => l.type === "sr");
    // The sender's NTP clock is this machine's clock: the mapping must land within a second of arrival.
    expect(Math.abs(sr.ntpUnixMs - sr.arrivalMs)).toBeLessThan(1000);
  }
  return { ...result, video, audio };
}

describe.skipIf(!haveTools)("WHIP ingest end to end (Chromium → werift → files)", () => {
  it("records VP8 + Opus from a headless Chromium publisher", async () => {
    const r = await recordAndCheck("vp8-publisher");
    expect(r.video.streams[0].codec_name).toBe("vp8");
    expect(r.codec).toBe("video/VP8");
    expect(r.connectMs).toBeLessThan(5000);
    expect(events).toContain("track-start");
  }, 60_000);

  it("records H.264 + Opus when the publisher prefers H.264", async () => {
    const r = await recordAndCheck("h264-publisher", { preferH264: true });
    expect(r.codec).toBe("video/H264");
    expect(r.video.streams[0].codec_name).toBe("h264");
  }, 60_000);

  it("records with trickle ICE: candidates PATCHed after the POST are accepted with 204", async () => {
    const r = await recordAndCheck("trickle-publisher", { trickle: true });
    expect(r.patchStatuses.length).toBeGreaterThan(0);
    expect(new Set(r.patchStatuses)).toEqual(new Set([204]));
  }, 60_000);

  it("recovers from lost video packets with a PLI instead of waiting for a periodic keyframe", async () => {
    const token = issuePublisherToken(secret, { recordingId: "rec-lossy", participantId: "lossy", displayName: "L" });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    const r = await page.evaluate(publishFromPage, {
      whipUrl: `${origin}/whip-lossy/rec-lossy`,
      token,
      seconds: 6,
      preferH264: false,
      trickle: false,
      vanish: false,
    });
    await page.close();
    expect(r.deleteStatus).toBe(200);
    const trackDir = path.join(dir, "lossy", "lossy");
    const videoFile = readdirSync(trackDir).find((f) => f.endsWith("-video.webm"))!;
    const p = probe(path.join(trackDir, videoFile));
    expect(p.decodeErrors).toBe("");
    const lines = readFileSync(path.join(trackDir, videoFile.replace(".webm", ".timing.jsonl")), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const losses = lines.filter((l) => l.type === "loss").length;
    const end = lines.find((l) => l.type === "end");
    expect(losses).toBeGreaterThanOrEqual(1);
    expect(end.gate.requests).toBeGreaterThanOrEqual(2); // at start + after the loss(es)
    // Each loss costs well under a second of frames (20 fps) because the PLI brings a keyframe quickly.
    expect(end.gate.dropped).toBeLessThan(losses * 15);
    const keyframes = execFileSync(
      "ffprobe",
      ["-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", path.join(trackDir, videoFile)],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((f) => f.startsWith("K")).length;
    expect(keyframes).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("finishes the files when a publisher vanishes without DELETE", async () => {
    const r = await recordAndCheck("vanishing-publisher", { vanish: true });
    expect(r.deleteStatus).toBe(0);
  }, 60_000);
});
