// CPU cost of the recorder's WHIP ingest per publisher (Opus + VP8 from Chromium's fake devices).
// The measured process is only the ingest (bench/ingest-server.ts, a child Node process); Chromium is another
// process. Its CPU time (process.cpuUsage over IPC) is sampled over a fixed window: first idle (the same-run
// baseline), then while N publishers send 640x480, then 1280x720. Per-publisher cost = (busy - idle) / N.
// Bytes written per publisher-second come from the growth of the recording directory during the window; every
// produced file must decode cleanly (ffmpeg -v error prints nothing) or the run is reported INVALID (exit 1).
// Run: npx tsx bench/ingest.ts [publishers=4] [seconds=20]   (BENCH_INGEST_KEEP=1 keeps the recordings for inspection;
// BENCH_INGEST_IMPAIR=0.05,0.05 drops 5 % and reorders 5 % of the ingest's incoming RTP, and NACK totals are printed)
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "@playwright/test";
import { issuePublisherToken } from "@/recorder/ingest";

const publishers = Number(process.argv[2] ?? 4);
const seconds = Number(process.argv[3] ?? 20);
if (!(publishers >= 1 && publishers <= 16) || !(seconds >= 3 && seconds <= 300)) {
  console.error("usage: npx tsx bench/ingest.ts [publishers 1..16] [seconds 3..300]");
  process.exit(2);
}
const WARMUP_MS = 5000; // Chromium's bitrate ramp-up and the first keyframes, not measured
const ICE_PORTS: [number, number] = [51_000, 51_400]; // away from the e2e test's 49000-49400
const CHROMIUM = "/usr/bin/chromium";
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the publisher page (plain JS string: tsx's helpers would not exist inside the page) ----
// A minimal standard WHIP client (RFC 9725): non-trickle offer after ICE gathering, POST, answer, DELETE at the end.
const PAGE_SCRIPT = `
window.__pub = async ({ whipUrl, token, width, height }) => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: { exact: width }, height: { exact: height } } });
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 2000);
  });
  const auth = { Authorization: "Bearer " + token };
  const res = await fetch(whipUrl, { method: "POST", headers: { ...auth, "Content-Type": "application/sdp" }, body: pc.localDescription.sdp });
  if (res.status !== 201) throw new Error("POST " + res.status + ": " + (await res.text()));
  const location = new URL(res.headers.get("Location"), whipUrl).toString();
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  await new Promise((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === "connected") resolve();
      if (pc.connectionState === "failed") reject(new Error("connection failed"));
    };
    pc.addEventListener("connectionstatechange", check);
    check();
    setTimeout(() => reject(new Error("not connected after 15 s")), 15000);
  });
  window.__state = { pc, stream, location, auth };
  const s = stream.getVideoTracks()[0].getSettings();
  return { width: s.width, height: s.height, frameRate: s.frameRate };
};
window.__stats = async () => {
  const out = { framesEncoded: 0, videoBytes: 0, audioBytes: 0, frameWidth: 0, frameHeight: 0, limitation: "", codec: "" };
  const stats = await window.__state.pc.getStats();
  stats.forEach((s) => {
    if (s.type === "outbound-rtp" && s.kind === "video") {
      out.framesEncoded = s.framesEncoded; out.videoBytes = s.bytesSent;
      out.frameWidth = s.frameWidth; out.frameHeight = s.frameHeight; out.limitation = s.qualityLimitationReason;
    }
    if (s.type === "outbound-rtp" && s.kind === "audio") out.audioBytes = s.bytesSent;
    if (s.type === "codec" && String(s.mimeType).startsWith("video/")) out.codec = s.mimeType;
  });
  return out;
};
window.__stop = async () => {
  const { pc, stream, location, auth } = window.__state;
  const del = await fetch(location, { method: "DELETE", headers: auth });
  pc.close();
  stream.getTracks().forEach((t) => t.stop());
  return del.status;
};
`;
type PageStats = {
  framesEncoded: number;
  videoBytes: number;
  audioBytes: number;
  frameWidth: number;
  frameHeight: number;
  limitation: string;
  codec: string;
};

// ---- the child (measured) process ----
class IngestChild {
  private nextId = 1;
  private waiting = new Map<number, (m: CpuMsg) => void>();
  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
  ) {
    proc.on("message", (m: CpuMsg) => {
      if (m.type === "cpu") {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
  }
  static async start(directory: string, secret: string): Promise<IngestChild> {
    const proc = spawn(
      process.execPath,
      ["--import", "tsx", path.join("bench", "ingest-server.ts"), directory, String(ICE_PORTS[0]), String(ICE_PORTS[1])],
      {
        cwd: path.resolve(import.meta.dirname, ".."),
        env: { ...process.env, BENCH_INGEST_SECRET: secret },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("ingest child not ready after 30 s")), 30_000);
      proc.once("exit", (code) => reject(new Error(`ingest child exited (${code})`)));
      proc.on("message", (m: { type: string; url?: string }) => {
        if (m.type === "ready") {
          clearTimeout(t);
          resolve(m.url!);
        }
      });
    });
    return new IngestChild(proc, url);
  }
  /** CPU time of the child in µs (user + system, all its threads). */
  cpu(): Promise<CpuMsg> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("no cpu answer from the ingest child")), 10_000);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.proc.send({ type: "cpu", id });
    });
  }
  async close(): Promise<Record<string, number> | undefined> {
    if (this.proc.exitCode !== null || !this.proc.connected) return undefined;
    const events = new Promise<Record<string, number> | undefined>((resolve) => {
      this.proc.on("message", (m: { type: string; events?: Record<string, number> }) => m.type === "closed" && resolve(m.events));
      this.proc.once("exit", () => resolve(undefined));
    });
    this.proc.send({ type: "close" });
    const result = await Promise.race([events, sleep(10_000).then(() => undefined)]);
    await Promise.race([new Promise((r) => this.proc.once("exit", r)), sleep(3000)]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    return result;
  }
}
type CpuMsg = { type: "cpu"; id: number; userUs: number; systemUs: number; sessions: number };

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      try {
        total += statSync(path.join(e.parentPath, e.name)).size;
      } catch {
        /* a file replaced under us (session.json): skip */
      }
    }
  }
  return total;
}

function listFiles(dir: string, re: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && re.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** One measurement window on the child: CPU µs spent, wall ms, sessions seen at both ends. */
async function measureWindow(child: IngestChild, ms: number) {
  const a = await child.cpu();
  const t0 = performance.now();
  await sleep(ms);
  const b = await child.cpu();
  const wallMs = performance.now() - t0;
  return { cpuUs: b.userUs + b.systemUs - a.userUs - a.systemUs, wallMs, sessions: [a.sessions, b.sessions] };
}

interface LoadResult {
  label: string;
  asked: string;
  got: string;
  sent: string;
  limitation: string;
  codec: string;
  cpuUs: number;
  wallMs: number;
  bytesInWindow: number;
  encodedFps: number;
  sentKbps: number;
  files: number;
  decodeErrors: string[];
  videoFrames: number;
}

async function loadRun(
  browser: Browser,
  child: IngestChild,
  root: string,
  secret: string,
  width: number,
  height: number,
): Promise<LoadResult> {
  const recordingId = `bench-${width}x${height}`;
  const pages: Page[] = [];
  const settings: { width: number; height: number; frameRate: number }[] = [];
  try {
    for (let i = 0; i < publishers; i++) {
      const page = await browser.newPage();
      pages.push(page);
      await page.goto(`${child.url}/`);
      await page.addScriptTag({ content: PAGE_SCRIPT });
      const token = issuePublisherToken(secret, { recordingId, participantId: `p${i}`, displayName: `Publisher ${i}` });
      // One at a time, like the ingest itself creates sessions.
      settings.push(
        await page.evaluate(`window.__pub(${JSON.stringify({ whipUrl: `${child.url}/whip/${recordingId}`, token, width, height })})`),
      );
    }
    await sleep(WARMUP_MS);
    const statsA = (await Promise.all(pages.map((p) => p.evaluate("window.__stats()")))) as PageStats[];
    const bytesA = dirBytes(path.join(root, recordingId));
    const w = await measureWindow(child, seconds * 1000);
    const bytesB = dirBytes(path.join(root, recordingId));
    const statsB = (await Promise.all(pages.map((p) => p.evaluate("window.__stats()")))) as PageStats[];
    if (w.sessions[0] !== publishers || w.sessions[1] !== publishers)
      throw new Error(`sessions during the window: ${w.sessions.join(" → ")}, expected ${publishers}`);
    const statuses = (await Promise.all(pages.map((p) => p.evaluate("window.__stop()")))) as number[];
    if (statuses.some((s) => s !== 200)) throw new Error(`DELETE answered ${statuses.join(", ")}`);
    const frames = statsB.reduce((s, b, i) => s + b.framesEncoded - statsA[i]!.framesEncoded, 0);
    const sentBytes = statsB.reduce((s, b, i) => s + b.videoBytes + b.audioBytes - statsA[i]!.videoBytes - statsA[i]!.audioBytes, 0);
    const uniq = (xs: string[]) => [...new Set(xs)].join(" / ");
    // Files: one audio and one video per publisher, each decoding without a single error.
    await sleep(300);
    const media = listFiles(path.join(root, recordingId), /\.(webm|mkv)$/);
    const decodeErrors: string[] = [];
    let videoFrames = 0;
    for (const f of media) {
      const { stderr } = await run("ffmpeg", ["-nostdin", "-v", "error", "-i", f, "-f", "null", "-"], { maxBuffer: 16 << 20 }).catch(
        (e) => ({ stderr: String(e.stderr || e) }),
      );
      if (stderr.trim()) decodeErrors.push(`${path.relative(root, f)}: ${stderr.trim().split("\n")[0]}`);
      if (f.endsWith("-video.webm") || f.endsWith("-video.mkv")) {
        const { stdout } = await run("ffprobe", [
          "-v",
          "error",
          "-count_packets",
          "-select_streams",
          "v",
          "-show_entries",
          "stream=nb_read_packets",
          "-of",
          "csv=p=0",
          f,
        ]);
        videoFrames += Number(stdout.trim()) || 0;
      }
    }
    if (media.length !== 2 * publishers) decodeErrors.push(`expected ${2 * publishers} media files, found ${media.length}`);
    return {
      label: `${width}x${height}`,
      asked: `${width}x${height}`,
      got: uniq(settings.map((s) => `${s.width}x${s.height}@${s.frameRate}`)),
      sent: uniq(statsB.map((s) => `${s.frameWidth}x${s.frameHeight}`)),
      limitation: uniq(statsB.map((s) => s.limitation)),
      codec: uniq(statsB.map((s) => s.codec)),
      cpuUs: w.cpuUs,
      wallMs: w.wallMs,
      bytesInWindow: bytesB - bytesA,
      encodedFps: frames / publishers / (w.wallMs / 1000),
      sentKbps: (sentBytes * 8) / publishers / (w.wallMs / 1000) / 1000,
      files: media.length,
      decodeErrors,
      videoFrames,
    };
  } finally {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
  }
}

/** NACKs sent and packets recovered, summed over every session.json's per-track stats. */
function retransmissionTotals(root: string) {
  const t = { nacksSent: 0, packetsRecovered: 0, packetsLost: 0 };
  for (const f of readdirSync(root, { recursive: true, encoding: "utf8" }).filter((n) => n.endsWith("session.json"))) {
    const stats = JSON.parse(readFileSync(path.join(root, f), "utf8")).stats?.tracks ?? {};
    for (const s of Object.values(stats) as Record<string, number>[])
      for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += s[k] ?? 0;
  }
  return t;
}

async function main() {
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-ingest-"));
  const secret = randomBytes(32).toString("hex");
  let child: IngestChild | undefined;
  let browser: Browser | undefined;
  // Bounded no matter what: everything is torn down after this long.
  const budgetMs = (3 * seconds + 2 * (WARMUP_MS / 1000) + 180) * 1000;
  const watchdog = setTimeout(() => {
    console.error(`bench/ingest: still running after ${budgetMs / 1000} s, giving up`);
    child?.proc.kill("SIGKILL");
    void browser?.close();
    rmSync(root, { recursive: true, force: true });
    process.exit(1);
  }, budgetMs);
  watchdog.unref();
  const idle: { cpuUs: number; wallMs: number }[] = [];
  const loads: LoadResult[] = [];
  let events: Record<string, number> | undefined;
  try {
    child = await IngestChild.start(root, secret);
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
    await sleep(5000); // let the child finish loading (tsx, werift) before the idle window
    idle.push(await measureWindow(child, seconds * 1000));
    loads.push(await loadRun(browser, child, root, secret, 640, 480));
    loads.push(await loadRun(browser, child, root, secret, 1280, 720));
    await sleep(2000); // sessions closed; let their teardown finish
    idle.push(await measureWindow(child, seconds * 1000));
  } finally {
    await browser?.close().catch(() => undefined);
    events = await child?.close().catch(() => undefined);
    console.log(`retransmissions (all sessions): ${JSON.stringify(retransmissionTotals(root))}`);
    if (process.env.BENCH_INGEST_KEEP) console.log(`recordings kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
    clearTimeout(watchdog);
  }

  const pct = (cpuUs: number, wallMs: number) => (cpuUs / 1000 / wallMs) * 100; // % of one core
  const idlePct = idle.reduce((s, w) => s + pct(w.cpuUs, w.wallMs), 0) / idle.length;
  console.log(
    `ingest child (werift), ${publishers} publishers (Opus + fake camera), window ${seconds} s after ${WARMUP_MS / 1000} s warm-up; ${os.cpus().length} cores`,
  );
  console.log(
    `idle baseline (same child, same window): ${idle.map((w) => pct(w.cpuUs, w.wallMs).toFixed(2)).join("% before, ")}% after → ${idlePct.toFixed(2)}% of one core`,
  );
  console.log("");
  const head = [
    "video",
    "camera gave",
    "sent",
    "fps/pub",
    "kbit/s/pub",
    "busy % core",
    "busy/idle",
    "% core/pub",
    "pubs/core",
    "KB written/pub-s",
    "files ok",
  ];
  const rows: string[][] = [];
  let invalid = false;
  for (const l of loads) {
    const busy = pct(l.cpuUs, l.wallMs);
    const perPub = (busy - idlePct) / publishers;
    const ok = l.decodeErrors.length === 0;
    invalid ||= !ok;
    rows.push([
      `${l.label} ${l.codec.replace("video/", "")}`,
      l.got,
      `${l.sent}${l.limitation && l.limitation !== "none" ? ` (limited: ${l.limitation})` : ""}`,
      l.encodedFps.toFixed(1),
      l.sentKbps.toFixed(0),
      busy.toFixed(2),
      idlePct >= 0.01 ? `${(busy / idlePct).toFixed(0)}x` : "n/a (idle ~0)",
      perPub.toFixed(2),
      (100 / perPub).toFixed(1),
      (l.bytesInWindow / publishers / (l.wallMs / 1000) / 1024).toFixed(1),
      ok ? `${l.files}/${l.files}` : "NO",
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
  if (loads.length === 2) {
    const per = loads.map((l) => (pct(l.cpuUs, l.wallMs) - idlePct) / publishers);
    console.log(`\n1280x720 / 640x480 cost per publisher: ${(per[1]! / per[0]!).toFixed(2)}x`);
  }
  if (events)
    console.log(
      `ingest events: ${Object.entries(events)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`,
    );
  for (const l of loads) for (const e of l.decodeErrors) console.log(`DECODE ERROR ${e}`);
  if (invalid) {
    console.log("INVALID: produced files do not decode cleanly; the CPU figures above measure a broken pipeline");
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
