import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { createRecorderIngest, issuePublisherToken, readManifest, type WhipHandler } from "@/recorder/ingest";
import { haveBrowserAndFfmpeg, launchPublisherBrowser, publishInPage, serveIngest } from "@/tests/support/recorder/chromium-publisher";
import { probe } from "@/tests/support/recorder/synthetic-media";

const secret = "manifest-secret";
const dir = mkdtempSync(path.join(os.tmpdir(), "ingest-manifest-"));
const tone = path.join(dir, "tone.wav");
let served: Awaited<ReturnType<typeof serveIngest>> | undefined;
let handler: WhipHandler;
let origin: string;
let browser: Browser;
const events: { event: string; sessionId?: string; state?: string }[] = [];

beforeAll(async () => {
  if (!haveBrowserAndFfmpeg) return;
  // A steady -20 dBFS tone as the microphone: levels are clearly above silence until it is disabled.
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=48000",
    "-t",
    "30",
    "-af",
    "volume=-17dB",
    "-ac",
    "1",
    tone,
  ]);
  handler = createRecorderIngest({
    tokenSecret: secret,
    directory: dir,
    icePortRange: [45_000, 45_199],
    loopback: true,
    log: (event, data) => events.push({ event, ...data }),
  });
  served = await serveIngest(handler);
  origin = served.origin;
  browser = await launchPublisherBrowser(tone);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
  if (process.env.KEEP_RECORDER_E2E) console.log(`recordings kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

async function publish(
  participantId: string,
  source: "camera" | "screen",
  plan: { seconds: number; muteAt?: number; unmuteAt?: number; restartIceAt?: number; preferH264?: boolean; waitForMedia?: boolean },
) {
  const token = issuePublisherToken(secret, { recordingId: "rec-m", participantId, displayName: participantId.toUpperCase(), source });
  const page = await browser.newPage();
  page.on("console", (m) => console.log("PAGE", participantId, m.text().slice(0, 3000)));
  await page.goto(`${origin}/`);
  try {
    return await page.evaluate(publishInPage, { whipUrl: `${origin}/whip/rec-m`, token, width: 640, height: 480, ...plan });
  } finally {
    await page.close();
  }
}

describe.skipIf(!haveBrowserAndFfmpeg)("recording manifest from two Chromium publishers", () => {
  it("writes one manifest: sessions with source, tracks with clocks and sizes, audio levels, mute/unmute, ICE restart", async () => {
    // What the recorder saw of each session, for a failure that happens in the browser (no media ever arrived).
    onTestFailed(() => {
      const bySession = new Map<string, string[]>();
      for (const e of events)
        bySession.set(e.sessionId ?? "-", [...(bySession.get(e.sessionId ?? "-") ?? []), e.state ? `${e.event}:${e.state}` : e.event]);
      console.log("recorder events by session", JSON.stringify(Object.fromEntries(bySession)));
    });
    const [alice, bob] = await Promise.all([
      publish("alice", "camera", { seconds: 9, muteAt: 3, unmuteAt: 6, waitForMedia: true }),
      publish("bob", "screen", { seconds: 8, restartIceAt: 3, preferH264: true, waitForMedia: true }), // H.264: size from the SPS
    ]);
    console.log("media flowing after ICE connected (ms)", { alice: alice.mediaAfterMs, bob: bob.mediaAfterMs });
    expect(alice.deleteStatus).toBe(200);
    expect(bob.deleteStatus).toBe(200);
    // ICE restart over PATCH: 200 with a new ETag, Chromium reconnects and media keeps flowing.
    console.log("ICE restart", bob.restart);
    expect(bob.restart.status).toBe(200);
    expect(bob.restart.etagChanged).toBe(true);
    expect(bob.restart.reconnectMs).toBeGreaterThanOrEqual(0);
    expect(bob.restart.bytesAfter).toBeGreaterThan(10_000);
    // werift's ICE agent really restarted: after the restart it went through checking to connected again.
    const bobEvents = events.filter((e) => e.sessionId === sessionOfEarly("bob"));
    const restartAt = bobEvents.findIndex((e) => e.event === "ice-restart");
    expect(restartAt).toBeGreaterThan(0);
    console.log(
      "bob ICE states",
      bobEvents.filter((e) => e.event === "ice-state" || e.event === "ice-restart").map((e) => e.state ?? e.event),
    );
    const after = bobEvents
      .slice(restartAt)
      .filter((e) => e.event === "ice-state")
      .map((e) => e.state);
    expect(after[0]).toBe("new");
    expect(after.some((s) => s === "connected" || s === "completed")).toBe(true);

    function sessionOfEarly(p: string) {
      const start = readManifest(dir, "rec-m").find((l) => l.type === "session-start" && l.participantId === p);
      return start?.type === "session-start" ? start.sessionId : "";
    }
    const text = readFileSync(path.join(dir, "rec-m", "manifest.jsonl"), "utf8");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)); // every line whole: no interleaving
    expect(lines.length).toBe(readManifest(dir, "rec-m").length);
    for (const l of lines) expect(typeof l.atMs).toBe("number");
    const starts = lines.filter((l) => l.type === "session-start");
    expect(starts.map((s) => [s.participantId, s.displayName, s.source]).sort()).toEqual([
      ["alice", "ALICE", "camera"],
      ["bob", "BOB", "screen"],
    ]);
    const sessionOf = (p: string) => starts.find((s) => s.participantId === p).sessionId as string;

    const sessionEvents = (p: string) =>
      JSON.stringify(events.filter((e) => e.sessionId === sessionOf(p)).map((e) => (e.state ? `${e.event}:${e.state}` : e.event)));
    expect(
      lines
        .filter((l) => l.type === "track-start" && l.kind === "video")
        .map((l) => l.codec)
        .sort(),
      `video tracks; alice's session: ${sessionEvents("alice")}; bob's: ${sessionEvents("bob")}`,
    ).toEqual(["h264", "vp8"]);
    for (const participant of ["alice", "bob"]) {
      const sid = sessionOf(participant);
      const mine = lines.filter((l) => l.sessionId === sid);
      expect(mine[0].type).toBe("session-start");
      expect(mine.at(-1)).toMatchObject({ type: "session-end", reason: "deleted" });
      const trackStarts = mine.filter((l) => l.type === "track-start");
      expect(trackStarts.map((t) => t.kind).sort()).toEqual(["audio", "video"]);
      for (const t of trackStarts) {
        expect(t.trackId).toBe(`${sid}/track${t.trackId.split("/track")[1]}`);
        expect(t.trackId.endsWith(`-${t.kind}`)).toBe(true);
        const file = path.join(dir, "rec-m", t.file);
        expect(existsSync(file)).toBe(true);
        expect(probe(file).decodeErrors, file).toBe("");
        expect(t.mediaZeroMs - mine[0].atMs).toBeGreaterThanOrEqual(0);
        expect(t.mediaZeroMs - mine[0].atMs).toBeLessThan(5000);
        // Sender and recorder share this machine's clock: the sender-report mapping lands near the arrival.
        const sync = mine.find((l) => l.type === "track-sync" && l.trackId === t.trackId);
        expect(Math.abs(sync.mediaZeroNtpMs - t.mediaZeroMs)).toBeLessThan(500);
        // Every packet reached the pipeline once (the ICE restart's renegotiation must not subscribe a track twice).
        const timingEnd = readFileSync(file.replace(/\.(webm|mkv)$/, ".timing.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
          .find((l) => l.type === "end");
        expect(timingEnd.reorder.duplicate, t.trackId).toBeLessThan(10);
        const end = mine.find((l) => l.type === "track-end" && l.trackId === t.trackId);
        expect(end.frames).toBeGreaterThan(50);
        expect(end.durationMs).toBeGreaterThan(6000);
        if (t.kind === "video") {
          const sizes = mine.filter((l) => l.type === "video-size" && l.trackId === t.trackId);
          const stream = probe(file).streams[0] as { width: number; height: number };
          expect(sizes[0]).toMatchObject({ width: stream.width, height: stream.height });
          expect(sizes[0].mediaMs).toBeLessThan(2000);
        }
      }
      const meta = JSON.parse(readFileSync(path.join(dir, "rec-m", participant, sid, "session.json"), "utf8"));
      expect(meta).toMatchObject({
        sessionId: sid,
        participantId: participant,
        source: participant === "bob" ? "screen" : "camera",
        endReason: "deleted",
      });
      expect(Object.keys(meta.stats.tracks).sort()).toEqual(trackStarts.map((t) => t.trackId).sort());
    }

    // Alice: audio levels every 250 ms; the tone, then silence while muted, then the tone again.
    const aliceLines = lines.filter((l) => l.sessionId === sessionOf("alice"));
    const levels = aliceLines.filter((l) => l.type === "audio-level");
    expect(levels.length).toBeGreaterThan(28);
    for (const l of levels) expect(l.toMs - l.fromMs).toBe(250);
    const loud = levels.filter((l) => l.toMs < 2500 || (l.fromMs > 7000 && l.toMs < 8500));
    for (const l of loud) expect(l.dBov, JSON.stringify(l)).toBeGreaterThan(-45);
    const quiet = levels.filter((l) => l.fromMs > 4000 && l.toMs < 5500);
    for (const l of quiet) expect(l.dBov, JSON.stringify(l)).toBe(-127);
    const mutes = aliceLines.filter((l) => l.type === "mute" || l.type === "unmute").map((l) => `${l.kind}:${l.type}`);
    console.log(
      "alice mute events",
      aliceLines.filter((l) => l.type === "mute" || l.type === "unmute").map((l) => `${l.kind} ${l.type} @${l.mediaMs}`),
    );
    expect(mutes.filter((m) => m.startsWith("audio"))).toEqual(["audio:mute", "audio:unmute"]);
    expect(mutes.filter((m) => m.startsWith("video"))).toEqual(["video:mute", "video:unmute"]);
    const audioMute = aliceLines.find((l) => l.type === "mute" && l.kind === "audio");
    const audioUnmute = aliceLines.find((l) => l.type === "unmute" && l.kind === "audio");
    expect(audioMute.mediaMs).toBeGreaterThan(2000);
    expect(audioMute.mediaMs).toBeLessThan(5000);
    expect(audioUnmute.mediaMs).toBeGreaterThan(5000);
    expect(audioUnmute.mediaMs).toBeLessThan(8000);
    // Bob never muted.
    expect(lines.filter((l) => l.sessionId === sessionOf("bob") && l.type === "mute")).toEqual([]);
    expect(readdirSync(path.join(dir, "rec-m")).sort()).toEqual(["alice", "bob", "manifest.jsonl"]);
  }, 60_000);
});
