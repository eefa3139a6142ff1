// usage: npx tsx bench/whip-start.ts [--n 4] [--rounds 3] [--modes trickle,full]
// Start latency of recording: N WhipPublishers (lib/rtc/whip-publisher.ts, bundled into the page with esbuild) in one
// Chromium start concurrently against an in-process createRecorderIngest on 127.0.0.1, the way the call does when the
// host presses Start recording (tracks already live): "click" = the page fetches its publisher credential from the
// server and starts the publisher. Timestamps on both sides share this machine's clock: the page's
// performance.timeOrigin + now(), the recorder's Date.now() (its log events and the HTTP exchange).
// Baseline in the same run: N plain browser-to-browser RTCPeerConnections in the same page on loopback, from
// createOffer to the first video packet at the receiver (the remote track's `unmute`). Ratios are against its p50.
// Modes: `trickle` = the client as it is (credential fetched while the offer is prepared, POST after the first
// burst of host candidates, the rest PATCHed); `full` = the client as it was (credential first, then
// { trickle: false }: wait for ICE gathering, up to gatherTimeoutMs, before POSTing). The recorder is the same in both.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { transformSync } from "esbuild";
import { createRecorderIngest, issuePublisherToken } from "@/recorder/ingest";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const N = Number(arg("n", "4"));
const ROUNDS = Number(arg("rounds", "3"));
const MODES = arg("modes", "trickle,full").split(",") as ("trickle" | "full")[];
const ICE_PORTS: [number, number] = [45_460, 45_589]; // unused by tests/recorder (which take other parts of 45000-45999)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- recorder side ----
const secret = randomBytes(32).toString("hex");
const dir = mkdtempSync(path.join(os.tmpdir(), "whip-start-"));
type ServerTimes = {
  postAt?: number;
  answeredAt?: number;
  iceConnected?: number;
  dtlsConnected?: number;
  firstPacket?: number;
  firstVideo?: number;
};
const server = new Map<string, ServerTimes>();
const at = (sessionId: string) => server.get(sessionId) ?? server.set(sessionId, {}).get(sessionId)!;
const ingest = createRecorderIngest({
  tokenSecret: secret,
  directory: dir,
  icePortRange: ICE_PORTS,
  loopback: true,
  minFreeBytes: 1,
  log: (event, data) => {
    const now = Date.now();
    const t = typeof data.sessionId === "string" ? at(data.sessionId) : undefined;
    if (!t) return;
    if (event === "negotiated" && process.env.BENCH_DEBUG) console.log(event, JSON.stringify(data));
    if (event === "ice-state" && data.state === "connected") t.iceConnected ??= now;
    if (event === "connection-state" && data.state === "connected") t.dtlsConnected ??= now;
    if (event === "track-start") {
      t.firstPacket ??= now;
      if (data.kind === "video") t.firstVideo ??= now;
    }
  },
});
const PAGE = "<!doctype html><title>whip-start</title>";
const httpServer = http.createServer((req, res) => {
  const postAt = Date.now();
  if (req.method === "POST") {
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => http.ServerResponse;
    res.writeHead = ((status: number, headers?: Record<string, string>) => {
      const id = headers?.Location?.split("/").pop();
      if (id) Object.assign(at(id), { postAt, answeredAt: Date.now() });
      return writeHead(status, headers);
    }) as typeof res.writeHead;
  }
  void ingest(req, res).then((handled) => {
    if (handled) return;
    // The app's credential endpoint: what the browser fetches when recording starts (a token per participant).
    const credential = /^\/credential\/([\w-]+)\/([\w-]+)$/.exec(req.url ?? "");
    if (credential) {
      const [, recordingId, participantId] = credential;
      const token = issuePublisherToken(secret, { recordingId, participantId, displayName: participantId });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ whipUrl: `http://${req.headers.host}/whip/${recordingId}`, token }));
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(PAGE);
  });
});

// ---- browser side (plain JS strings: tsx's __name helpers do not exist in the page) ----
const bundle = transformSync(readFileSync(new URL("../lib/rtc/whip-publisher.ts", import.meta.url), "utf8"), {
  loader: "ts",
  format: "iife",
  globalName: "Whip",
  target: "es2022",
}).code;
const PAGE_SCRIPT = `
const now = () => performance.timeOrigin + performance.now();
window.__fetchLog = [];
const plainFetch = window.fetch.bind(window);
window.fetch = async (input, init = {}) => {
  const rec = { method: init.method || "GET", auth: (init.headers || {}).Authorization, sent: now() };
  window.__fetchLog.push(rec);
  const r = await plainFetch(input, init);
  rec.answered = now();
  return r;
};
window.__live = [];
window.__init = async () => {
  window.__stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  await new Promise((r) => setTimeout(r, 1500)); // a call's camera is warm when recording starts
};
window.__publish = async ({ credentialUrl, trickle }) => {
  const s = window.__stream;
  const t = { start: now() };
  const credential = fetch(credentialUrl).then((r) => r.json());
  // The hook as it was: credential first, then a non-trickle start; as it is: both at once, trickle.
  const p = new Whip.WhipPublisher(trickle ? credential : await credential, { trickle, gatherTimeoutMs: 1500 });
  const { token } = await credential;
  const started = p.start({ audio: s.getAudioTracks()[0].clone(), video: s.getVideoTracks()[0].clone() });
  const pc = p.pc;
  pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") t.gathered ??= now(); });
  pc.addEventListener("iceconnectionstatechange", () => { if (pc.iceConnectionState === "connected") t.iceConnected ??= now(); });
  pc.addEventListener("connectionstatechange", () => { if (pc.connectionState === "connected") t.connected ??= now(); });
  await started;
  t.started = now();
  const until = Date.now() + 10000;
  while (!t.connected && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  window.__live.push(p);
  const post = window.__fetchLog.find((r) => r.method === "POST" && r.auth === "Bearer " + token);
  t.postSent = post.sent;
  t.answer = post.answered;
  t.patches = window.__fetchLog.filter((r) => r.method === "PATCH" && r.auth === "Bearer " + token).length;
  return { t, location: p.location };
};
window.__stopAll = async () => { await Promise.all(window.__live.map((p) => p.stop())); window.__live = []; };
window.__baseline = async () => {
  const s = window.__stream;
  const t0 = now();
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  let connected;
  a.addEventListener("connectionstatechange", () => { if (a.connectionState === "connected") connected ??= now(); });
  const firstVideo = new Promise((resolve) => { b.ontrack = (e) => { if (e.track.kind === "video") e.track.onunmute = () => resolve(now()); }; });
  a.addTransceiver(s.getAudioTracks()[0].clone(), { direction: "sendonly" });
  a.addTransceiver(s.getVideoTracks()[0].clone(), { direction: "sendonly" });
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  const tv = await firstVideo;
  a.close(); b.close();
  return { connectedMs: connected - t0, firstVideoMs: tv - t0 };
};
`;

function pct(values: number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (!v.length) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
}
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0).padStart(6) : "     -");

async function main() {
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--allow-loopback-in-peer-connection",
      "--disable-gpu",
    ],
  });
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  await page.addScriptTag({ content: bundle });
  await page.addScriptTag({ content: PAGE_SCRIPT });
  await page.evaluate("window.__init()");

  const baseline: { connectedMs: number; firstVideoMs: number }[] = [];
  const rows: Record<string, Record<string, number[]>> = {};
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(...((await page.evaluate(`Promise.all(Array.from({ length: ${N} }, () => window.__baseline()))`)) as typeof baseline));
    await sleep(300);
    for (const mode of MODES) {
      const recordingId = `rec-${mode}-${round}`;
      const plans = Array.from({ length: N }, (_, i) => ({
        credentialUrl: `${origin}/credential/${recordingId}/p${i}`,
        trickle: mode === "trickle",
      }));
      const results = (await page.evaluate(`Promise.all(${JSON.stringify(plans)}.map((p) => window.__publish(p)))`)) as {
        t: Record<string, number>;
        location: string;
      }[];
      const deadline = Date.now() + 10_000;
      const ids = results.map((r) => r.location.split("/").pop()!);
      while (Date.now() < deadline && ids.some((id) => !at(id).firstVideo)) await sleep(20);
      const m = (rows[mode] ??= {});
      const push = (k: string, v: number | undefined) => (m[k] ??= []).push(v ?? NaN);
      results.forEach((r, i) => {
        const s = at(ids[i]);
        const t = r.t;
        push("click → POST sent (credential, gathering)", t.postSent - t.start);
        push("POST → answer (browser)", t.answer - t.postSent);
        push("  recorder: POST in → answer out", s.answeredAt! - s.postAt!);
        push("answer → connected (browser DTLS)", t.connected - t.answer);
        push("  recorder: answer → ICE connected", s.iceConnected! - s.answeredAt!);
        push("  recorder: ICE → DTLS connected", s.dtlsConnected! - s.iceConnected!);
        push("connected → first packet at recorder", s.firstPacket! - t.connected);
        push("first packet → first video packet", s.firstVideo! - s.firstPacket!);
        push("click → first packet at recorder", s.firstPacket! - t.start);
        push("click → first video packet", s.firstVideo! - t.start);
        push("PATCH requests", t.patches);
      });
      await page.evaluate("window.__stopAll()");
      await sleep(500);
      // From the timing sidecars (complete once the sessions ended): when the first frame was written, i.e. the
      // keyframe gate opened (Chromium's first frame is normally a keyframe; otherwise the PLI brings one).
      ids.forEach((id, i) => {
        const sessionDir = path.join(dir, recordingId, `p${i}`, id);
        const name = existsSync(sessionDir) ? readdirSync(sessionDir).find((f) => /^track\d+-video\.timing\.jsonl$/.test(f)) : undefined;
        const lines = name
          ? readFileSync(path.join(sessionDir, name), "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
          : [];
        const first = lines.find((l) => l.type === "first-packet");
        const frame = lines.find((l) => l.type === "first-frame");
        push("first video packet → first frame written", frame && first ? frame.atMs - first.arrivalMs : NaN);
      });
    }
  }
  await browser.close();
  await ingest.closeAll();
  httpServer.close();
  rmSync(dir, { recursive: true, force: true });

  const base = baseline.map((b) => b.firstVideoMs);
  const baseP50 = pct(base, 50);
  console.log(`\nwhip-start: ${N} concurrent publishers x ${ROUNDS} rounds, ms (p50 / p95); ratio = p50 / baseline p50\n`);
  console.log(`${"".padEnd(44)}${MODES.map((m) => `${m.padStart(8)} p50   p95  ratio`).join("  ")}`);
  const keys = Object.keys(rows[MODES[0]] ?? {});
  for (const k of keys) {
    const cells = MODES.map((mode) => {
      const v = rows[mode][k];
      const ratio = k.startsWith("click → first") ? (pct(v, 50) / baseP50).toFixed(2).padStart(6) : "      ";
      return `${fmt(pct(v, 50))} ${fmt(pct(v, 95))} ${ratio}`;
    });
    console.log(`${k.padEnd(44)}${cells.join("  ")}`);
  }
  console.log(
    `${"baseline: browser→browser → first video".padEnd(44)}${fmt(baseP50)} ${fmt(pct(base, 95))}   (connected p50 ${pct(
      baseline.map((b) => b.connectedMs),
      50,
    ).toFixed(0)} ms)`,
  );
  const failed = MODES.some((mode) => rows[mode]["click → first video packet"].some((v) => !Number.isFinite(v)));
  if (failed) {
    console.log("\nINVALID: some publisher never delivered video within 10 s");
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
