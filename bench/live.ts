// Usage: npx tsx bench/live.ts [--max 6] [--minutes 5] [--preset veryfast] [--only N]
//
// How many recordings this machine composites live at once: for N = 1, 2, … --max, N two-party recordings run
// side by side for --minutes of real time, each composited by the production LiveRecording (1280x720 output,
// windows of up to 5.76 s, ticks every second) from 1280x720 VP8 + Opus inputs made by the recorder's manifest
// writer (a synthetic call per recording, read as it "grows": the clock is real time since its start). Every
// 5 s each recording's lag (captured time not yet in a stored window) is sampled. N keeps up when the lag over
// the last minute stays within the live latency bound (two windows plus 2 s) and does not grow. Reported against
// N = 1 in the same run (shared, noisy machine). Ingest is not included: bench/ingest.ts measures it (about 2 % of
// a core per 640x480 publisher).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { liveWindowMs } from "@/lib/compositing/live";
import { createLogger } from "@/server/platform/logger";
import { openObjectStore } from "@/server/platform/object-store";
import { LiveRecording } from "@/server/recordings/live/live-recording";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const MAX = Number(arg("max", "6"));
const MINUTES = Number(arg("minutes", "5"));
const PRESET = arg("preset", "veryfast");
/** Only this N (plus N = 1, the baseline): for re-measuring the edge without the rounds below it. */
const ONLY = Number(arg("only", "0"));
if (!(MAX >= 1 && MAX <= 16) || !(MINUTES >= 1 && MINUTES <= 30)) {
  console.error("usage: npx tsx bench/live.ts [--max 1..16] [--minutes 1..30] [--preset veryfast] [--only N]");
  process.exit(2);
}
const WINDOW_MS = liveWindowMs(6000, 25);
const BOUND_S = (2 * WINDOW_MS) / 1000 + 2;
const CACHE = path.join(os.tmpdir(), "bench-live-inputs-v1");
const run = promisify(execFile);
const ffmpeg = (args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args], { maxBuffer: 16 << 20 });

/** A two-party 720p recording `seconds` long, cached; every recording of a round reads it (read-only, as a compositor reads raw files). */
async function recording(seconds: number): Promise<string> {
  const dir = path.join(CACHE, `720p-${seconds}s`);
  if (existsSync(path.join(dir, "complete"))) return dir;
  const m = new SyntheticRecording();
  const jobs: Promise<unknown>[] = [];
  for (const [i, id] of ["ann", "ben"].entries()) {
    m.session(id, `agent:${id}`, id.toUpperCase(), "camera", 0);
    const v = m.track(id, "video", 0, seconds * 1000, { width: 1280, height: 720 });
    const a = m.track(id, "audio", 0, seconds * 1000);
    m.end(id, seconds * 1000);
    for (const f of [v.file, a.file]) mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    const pattern = i === 0 ? "testsrc2" : "testsrc";
    jobs.push(
      ffmpeg([
        "-f",
        "lavfi",
        "-i",
        `${pattern}=s=1280x720:r=25`,
        "-t",
        String(seconds),
        "-c:v",
        "libvpx",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "1200k",
        "-g",
        "100",
        "-f",
        "webm",
        path.join(dir, v.file),
      ]),
      ffmpeg([
        "-f",
        "lavfi",
        "-t",
        String(seconds),
        "-i",
        `sine=f=${440 + 220 * i}:r=48000`,
        "-c:a",
        "libopus",
        "-b:a",
        "32k",
        "-f",
        "webm",
        path.join(dir, a.file),
      ]),
    );
  }
  await Promise.all(jobs);
  m.writeManifest(dir);
  writeFileSync(path.join(dir, "complete"), "");
  return dir;
}

interface Round {
  n: number;
  lastMinuteMaxLagS: number;
  lastMinuteMeanLagS: number;
  growthSPerMin: number;
  renderShare: number;
  /** Windows encoded with the catch-up preset (see windowPreset), of all rendered. */
  caughtUp: number;
  keptUp: boolean;
}

async function round(n: number, source: string, work: string): Promise<Round> {
  const store = await openObjectStore({
    region: "us-east-1",
    bucket: "live",
    forcePathStyle: true,
    embeddedDir: path.join(work, `s3-${n}`),
    embeddedPort: 0,
  });
  const started = Date.now();
  const lives = Array.from(
    { length: n },
    (_, i) =>
      new LiveRecording({
        recordingId: `bench-${n}-${i}`,
        recordingDir: source,
        workDir: path.join(work, `n${n}-r${i}`),
        storage: store,
        windowMs: WINDOW_MS,
        settleMs: 1500,
        output: { width: 1280, height: 720 },
        encoder: { preset: PRESET },
        read: async () => ({ spans: [{ from: new Date(T0), to: null }], layout: "grid", layoutChanges: [] }),
        logger: createLogger("silent"),
        // Each recording "began" when the round did: its clock is real time since then.
        clock: () => T0 + (Date.now() - started),
      }),
  );
  const samples: { atS: number; lagS: number }[] = [];
  const endAt = started + MINUTES * 60_000;
  const loops = lives.map(async (live) => {
    while (Date.now() < endAt) {
      const t = Date.now();
      while (Date.now() < endAt && (await live.advance(false)) > 0);
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t))));
    }
  });
  const sampler = setInterval(() => {
    const atS = (Date.now() - started) / 1000;
    // Lag as the index reports it would be stale between windows: from the clock, captured minus stored.
    for (const live of lives) {
      const stored = live.segments.reduce((s, x) => s + x.durationMs, 0) / 1000;
      samples.push({ atS, lagS: Math.max(0, atS - 1.5 - stored) });
    }
  }, 5000);
  await Promise.all(loops);
  clearInterval(sampler);
  await store.close();
  const last = samples.filter((s) => s.atS >= MINUTES * 60 - 60);
  const firstHalf = last.filter((s) => s.atS < MINUTES * 60 - 30);
  const secondHalf = last.filter((s) => s.atS >= MINUTES * 60 - 30);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const growth = (mean(secondHalf.map((s) => s.lagS)) - mean(firstHalf.map((s) => s.lagS))) * 2;
  const maxLag = Math.max(...last.map((s) => s.lagS));
  const renderShare = lives.reduce((s, l) => s + l.renderSeconds, 0) / (MINUTES * 60);
  return {
    n,
    lastMinuteMaxLagS: maxLag,
    lastMinuteMeanLagS: mean(last.map((s) => s.lagS)),
    growthSPerMin: growth,
    renderShare,
    caughtUp:
      lives.reduce((s, l) => s + l.windowsCaughtUp, 0) /
      Math.max(
        1,
        lives.reduce((s, l) => s + l.windowsRendered, 0),
      ),
    keptUp: maxLag <= BOUND_S && growth < WINDOW_MS / 1000,
  };
}

const work = mkdtempSync(path.join(os.tmpdir(), "bench-live-"));
try {
  console.log(
    `bench/live.ts: ${os.cpus().length} cores, up to ${MAX} recordings, ${MINUTES} min each round, preset ${PRESET}, bound ${BOUND_S} s`,
  );
  const source = await recording(MINUTES * 60 + 30);
  const rounds: Round[] = [];
  const ns = ONLY > 1 ? [1, ONLY] : Array.from({ length: MAX }, (_, i) => i + 1);
  for (const n of ns) {
    const r = await round(n, source, work);
    rounds.push(r);
    console.log(JSON.stringify(r));
    if (!r.keptUp) break;
  }
  const base = rounds[0]!;
  console.log(
    "\n| recordings at once | max lag, last minute s | mean lag s | lag growth s/min | render time / wall time | vs 1 recording (render share) | windows caught up | keeps up |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rounds) {
    console.log(
      `| ${r.n} | ${r.lastMinuteMaxLagS.toFixed(1)} | ${r.lastMinuteMeanLagS.toFixed(1)} | ${r.growthSPerMin.toFixed(1)} | ${r.renderShare.toFixed(2)} | ${(r.renderShare / base.renderShare).toFixed(2)}x | ${(100 * r.caughtUp).toFixed(0)}% | ${r.keptUp ? "yes" : "no"} |`,
    );
  }
  const best = rounds.filter((r) => r.keptUp).at(-1);
  console.log(`\nlargest N that keeps up: ${best ? best.n : 0}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
