import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, type WhipHandler } from "@/recorder/ingest";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import { haveBrowserAndFfmpeg, launchPublisherBrowser, publishInPage, serveIngest } from "@/tests/support/recorder/chromium-publisher";
import { makeSyncSource, measureMarks, type MarkPair } from "@/tests/support/media/fixtures-sync";

/**
 * A/V sync through the whole recording chain: Chromium's fake camera and microphone play files whose flashes and
 * beeps start together → WebRTC → the recorder's WHIP ingest (raw tracks + manifest) → composeRecording → MP4.
 * The raw track files are measured too (placed on one clock with the manifest), so a failure says which half is off.
 */

const secret = "av-sync-chain-secret";
const recordingId = "rec-sync";
const dir = mkdtempSync(path.join(os.tmpdir(), "av-sync-chain-"));
const PUBLISH_SECONDS = 7;
const MAX_MEDIAN_OFFSET_MS = 40;
let served: Awaited<ReturnType<typeof serveIngest>> | undefined;
let ingest: WhipHandler;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!haveBrowserAndFfmpeg) return;
  const source = makeSyncSource(dir);
  ingest = createRecorderIngest({
    tokenSecret: secret,
    directory: path.join(dir, "recordings"),
    icePortRange: [44_000, 44_049],
    loopback: true,
  });
  served = await serveIngest(ingest);
  origin = served.origin;
  browser = await launchPublisherBrowser(source.audio, source.video);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (process.env.KEEP_AV_SYNC) console.log(`kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

type Line = Record<string, unknown> & { type: string; atMs: number };

async function manifestWhenEnded(file: string, timeoutMs = 10_000): Promise<Line[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let lines: Line[] = [];
    try {
      lines = readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line);
    } catch {
      /* not written yet */
    }
    if (lines.some((l) => l.type === "session-end")) return lines;
    if (Date.now() > until) throw new Error(`no session-end in ${file} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A track's file time 0 on a clock: the last track-sync's value for `key`, else first-packet arrival. */
function zeroOf(lines: Line[], trackId: string, key: "mediaZeroNtpMs" | "alignedZeroMs") {
  const sync = lines.filter((l) => l.type === "track-sync" && l.trackId === trackId).at(-1);
  const start = lines.find((l) => l.type === "track-start" && l.trackId === trackId)!;
  return (sync?.[key] as number | undefined) ?? (start.mediaZeroMs as number);
}

const fmt = (pairs: MarkPair[], base = 0) =>
  pairs.map((p) => `${((p.flashMs - base) / 1000).toFixed(3)} s: ${p.offsetMs >= 0 ? "+" : ""}${p.offsetMs.toFixed(1)} ms`).join(", ");

describe.skipIf(!haveBrowserAndFfmpeg)("A/V sync from Chromium through the recorder and the compositor", () => {
  it(`keeps the flash and the beep within ${MAX_MEDIAN_OFFSET_MS} ms (median) in the raw tracks and in the MP4`, async () => {
    const token = issuePublisherToken(secret, { recordingId, participantId: "sync", displayName: "Sync" });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    try {
      const r = await page.evaluate(publishInPage, {
        whipUrl: `${origin}/whip/${recordingId}`,
        token,
        seconds: PUBLISH_SECONDS,
        width: 640,
        height: 360,
      });
      expect(r.deleteStatus).toBe(200);
    } finally {
      await page.close();
    }
    const recDir = path.join(dir, "recordings", recordingId);
    const lines = await manifestWhenEnded(path.join(recDir, "manifest.jsonl"));
    const track = (kind: string) =>
      lines.find((l) => l.type === "track-start" && l.kind === kind) as Line & { trackId: string; file: string };
    const video = track("video");
    const audio = track("audio");
    expect(video && audio, "both tracks recorded").toBeTruthy();
    const syncs = lines.filter((l) => l.type === "track-sync");
    expect(
      syncs.some((l) => l.trackId === video.trackId) && syncs.some((l) => l.trackId === audio.trackId),
      "sender reports for both tracks",
    ).toBe(true);

    // Raw tracks on the sender's clock (what aligns one sender's audio with its video), and on the recorder's
    // clock via alignedZeroMs (adds each track's own best-case transit).
    const raw = (key: "mediaZeroNtpMs" | "alignedZeroMs") => {
      const v0 = zeroOf(lines, video.trackId, key);
      return measureMarks(path.join(recDir, video.file), path.join(recDir, audio.file), {
        videoMs: v0,
        audioMs: zeroOf(lines, audio.trackId, key),
      });
    };
    const rawSender = raw("mediaZeroNtpMs");
    const rawAligned = raw("alignedZeroMs");

    const sessionStart = lines.find((l) => l.type === "session-start")!.atMs;
    const sessionEnd = lines.find((l) => l.type === "session-end")!.atMs;
    const out = path.join(dir, "movie.mp4");
    const composed = await composeRecording({
      recordingDir: recDir,
      manifestText: readFileSync(path.join(recDir, "manifest.jsonl"), "utf8"),
      spans: [{ fromMs: sessionStart, toMs: sessionEnd }],
      output: { width: 640, height: 360 },
      outFile: out,
    });
    expect(composed.droppedTracks).toEqual([]);
    const movie = measureMarks(out);

    const v0 = zeroOf(lines, video.trackId, "mediaZeroNtpMs");
    console.log(
      [
        `A/V sync chain (${((sessionEnd - sessionStart) / 1000).toFixed(1)} s recorded; offset = beep − flash, + = audio late):`,
        `  raw tracks, sender clock:   median ${rawSender.medianOffsetMs.toFixed(1)} ms; ${fmt(rawSender.pairs, v0)}`,
        `  raw tracks, alignedZeroMs:  median ${rawAligned.medianOffsetMs.toFixed(1)} ms; ${fmt(rawAligned.pairs, v0)}`,
        `  composited MP4:             median ${movie.medianOffsetMs.toFixed(1)} ms; ${fmt(movie.pairs)}`,
        `  flashes/beeps found: raw ${rawSender.flashes.length}/${rawSender.beeps.length}, MP4 ${movie.flashes.length}/${movie.beeps.length}`,
      ].join("\n"),
    );

    // At least two marks (a flash every 2 s over ~7 s) must be found, else the measurement itself is broken.
    expect(rawSender.pairs.length, "raw marks paired").toBeGreaterThanOrEqual(2);
    expect(movie.pairs.length, "MP4 marks paired").toBeGreaterThanOrEqual(2);
    expect(rawSender.medianAbsOffsetMs, "recorder: raw tracks out of sync").toBeLessThanOrEqual(MAX_MEDIAN_OFFSET_MS);
    expect(movie.medianAbsOffsetMs, "composited MP4 out of sync").toBeLessThanOrEqual(MAX_MEDIAN_OFFSET_MS);
    // The compositor must keep what the recorder delivered. Its 25 fps output moves each frame to the nearest
    // 40 ms tick (±20 ms, the same for every mark since they are 2 s apart); 8 ms more for onset detection.
    const FRAME_ROUNDING_MS = 28;
    expect(Math.abs(movie.medianOffsetMs - rawSender.medianOffsetMs), "compositor shifted audio against video").toBeLessThanOrEqual(
      FRAME_ROUNDING_MS,
    );

    // Control: a known misplacement shows up in full. Moving the audio track's sender-clock zero 150 ms later
    // must make the MP4's audio exactly that much later (video placement, hence its frame rounding, unchanged).
    const SHIFT_MS = 150;
    const shifted = lines.map((l) =>
      l.type === "track-sync" && l.trackId === audio.trackId ? { ...l, mediaZeroNtpMs: (l.mediaZeroNtpMs as number) + SHIFT_MS } : l,
    );
    const late = path.join(dir, "movie-audio-late.mp4");
    await composeRecording({
      recordingDir: recDir,
      manifestText: `${shifted.map((l) => JSON.stringify(l)).join("\n")}\n`,
      spans: [{ fromMs: sessionStart, toMs: sessionEnd }],
      output: { width: 640, height: 360 },
      outFile: late,
    });
    const control = measureMarks(late);
    console.log(`  control, audio zero moved +${SHIFT_MS} ms: median ${control.medianOffsetMs.toFixed(1)} ms`);
    expect(
      Math.abs(control.medianOffsetMs - movie.medianOffsetMs - SHIFT_MS),
      "measurement or track-sync handling off",
    ).toBeLessThanOrEqual(8);
  }, 90_000);
});
