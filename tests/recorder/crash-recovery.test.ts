// Crash recovery: repairing Matroska files cut at arbitrary bytes, completing unfinished sessions,
// and the real thing: a standalone recorder SIGKILLed mid-publish and started again.
import { execFileSync, spawnSync } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { issuePublisherToken, listRecordingSessions } from "@/recorder/ingest";
import { ManifestWriter, trackManifestLine } from "@/recorder/ingest/manifest";
import { recordingRelativeFile, sessionDirectory } from "@/recorder/ingest/recording-layout";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { rawTrackFiles } from "@/recorder/pipeline/track-files";
import { recoverUnfinishedSessions, repairMatroskaFile } from "@/recorder/recovery";
import { publishWhip } from "@/tools/whip-publish";
import { startRecorder } from "@/tests/support/recorder/recorder-process";
import { makeOpusPackets, makeVp8Frames, probe, untilFileSettles } from "@/tests/support/recorder/synthetic-media";

// UDP ports of this file: recorder ICE 46200-46249, publisher ICE 46250-46299, ffmpeg RTP 46300-46349.
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const dir = mkdtempSync(path.join(os.tmpdir(), "crash-recovery-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic offsets so a failure names a reproducible cut. */
function cutOffsets(size: number, count: number, seed: number): number[] {
  let x = seed;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () => 400 + Math.floor(next() * (size - 400)));
}

/** The file as a crash leaves it: written cluster by cluster, never closed (Segment size unknown, no Duration). */
async function writeUnfinished(file: string, kind: "audio" | "video", frames: Buffer[], frameMs: number): Promise<void> {
  const w = new MkvWriter(file, kind === "video" ? { kind, codec: "vp8", width: 320, height: 240 } : { kind, codec: "opus" });
  for (const [i, f] of frames.entries()) w.writeFrame(f, kind === "audio" || i % 25 === 0, i * frameMs);
  w.flushCluster();
  // Wait for the stream to reach the file, then snapshot it as if the process died here.
  await untilFileSettles(file);
  copyFileSync(file, `${file}.crash`);
  await w.close();
  copyFileSync(`${file}.crash`, file);
}

function packets(file: string): { pts: number }[] {
  const out = execFileSync("ffprobe", ["-v", "error", "-show_entries", "packet=pts_time", "-of", "json", file], { encoding: "utf8" });
  return (JSON.parse(out).packets as { pts_time: string }[]).map((p) => ({ pts: Number(p.pts_time) }));
}

describe.skipIf(!hasFfmpeg)("Matroska repair", () => {
  const cases = hasFfmpeg
    ? [
        { kind: "video" as const, frames: makeVp8Frames(dir, 4), frameMs: 40, cuts: 8, seed: 7 },
        { kind: "audio" as const, frames: makeOpusPackets(dir, 4), frameMs: 20, cuts: 5, seed: 11 },
      ]
    : [];
  for (const c of cases) {
    it(`${c.kind}: any cut yields a clean file whose Duration is its last frame, and a second repair changes nothing`, async () => {
      const whole = path.join(dir, `whole-${c.kind}.webm`);
      await writeUnfinished(whole, c.kind, c.frames, c.frameMs);
      const size = statSync(whole).size;
      for (const cut of [...cutOffsets(size, c.cuts, c.seed), size]) {
        const file = path.join(dir, `cut-${c.kind}-${cut}.webm`);
        copyFileSync(whole, file);
        truncateSync(file, cut);
        const r = await repairMatroskaFile(file);
        expect(r.status, `cut at ${cut}`).toBe("repaired");
        expect(statSync(file).size).toBe(cut - r.truncatedBytes);
        const p = probe(file);
        expect(p.decodeErrors, `cut at ${cut}`).toBe("");
        expect(p.duration * 1000, `cut at ${cut}`).toBeCloseTo(r.durationMs, 0);
        // ffmpeg shows Opus packets 6.5 ms before their block times (the track's CodecDelay), in its 1 ms time base.
        const codecDelayMs = c.kind === "audio" ? 7 : 0;
        const seen = packets(file);
        expect(seen.length).toBe(r.blocks);
        expect(seen.at(-1)!.pts * 1000).toBeCloseTo(r.durationMs - codecDelayMs, 0);
        if (cut === size) expect(r.truncatedBytes).toBe(0);
        const bytes = readFileSync(file);
        expect((await repairMatroskaFile(file)).status).toBe("intact");
        expect(readFileSync(file).equals(bytes)).toBe(true);
      }
    });
  }

  it("a file cut inside its headers is set aside as unreadable", async () => {
    const file = path.join(dir, "cut-header.webm");
    copyFileSync(path.join(dir, "whole-video.webm"), file);
    truncateSync(file, 90);
    const r = await repairMatroskaFile(file);
    expect(r).toMatchObject({ status: "unreadable" });
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.unreadable`)).toBe(true);
  });

  it("completes unfinished sessions: session.json, manifest (torn last line dropped), idempotent", async () => {
    const root = path.join(dir, "recordings");
    const sessionDir = sessionDirectory(root, "rec-1", "alice", "s-1");
    const finishedDir = sessionDirectory(root, "rec-1", "bob", "s-2");
    const orphanDir = sessionDirectory(root, "rec-2", "carol", "s-3");
    for (const d of [sessionDir, finishedDir, orphanDir]) mkdirSync(d, { recursive: true });
    writeFileSync(
      path.join(sessionDir, "session.json"),
      JSON.stringify({ sessionId: "s-1", recordingId: "rec-1", participantId: "alice", displayName: "Alice", startedAtMs: 1000 }),
    );
    writeFileSync(
      path.join(finishedDir, "session.json"),
      JSON.stringify({ sessionId: "s-2", startedAtMs: 1000, endedAtMs: 2000, endReason: "deleted" }),
    );
    const video = path.join(sessionDir, "track0-video.webm");
    copyFileSync(path.join(dir, "whole-video.webm"), video);
    truncateSync(video, statSync(video).size - 777);
    copyFileSync(path.join(dir, "whole-audio.webm"), path.join(orphanDir, "track0-audio.webm"));
    // The manifest as the recorder's writer left it, its last line torn by the crash.
    const writer = new ManifestWriter(root, "rec-1", (err) => {
      throw err;
    });
    const manifest = writer.path;
    writer.append({
      type: "session-start",
      atMs: 1000,
      sessionId: "s-1",
      participantId: "alice",
      displayName: "Alice",
      source: "camera",
      offeredTracks: 2,
    });
    const videoTrack = { trackIndex: 0, kind: "video", codec: "vp8" } as const;
    writer.append(
      trackManifestLine("s-1", videoTrack, recordingRelativeFile(root, "rec-1", rawTrackFiles(sessionDir, videoTrack).media), {
        type: "track-start",
        mediaZeroMs: 1100,
      }),
    );
    appendFileSync(manifest, '{"type":"audio-level","atMs":12');
    const mtime = Math.round(statSync(video).mtimeMs);

    const result = await recoverUnfinishedSessions(root);
    expect(result.map((r) => r.recordingId)).toEqual(["rec-1", "rec-2"]);
    const [s1] = result[0].sessions;
    expect(s1).toMatchObject({ sessionId: "s-1", participantId: "alice", startedAtMs: 1000, endedAtMs: mtime, manifestLinesAdded: 2 });
    expect(s1.tracks).toEqual([expect.objectContaining({ file: "alice/s-1/track0-video.webm", status: "repaired" })]);
    expect(probe(video).decodeErrors).toBe("");
    const meta = JSON.parse(readFileSync(path.join(sessionDir, "session.json"), "utf8"));
    expect(meta).toMatchObject({ displayName: "Alice", startedAtMs: 1000, endedAtMs: mtime, endReason: "recovered-after-crash" });
    const lines = readFileSync(manifest, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["session-start", "track-start", "track-end", "session-end"]);
    expect(lines[2]).toMatchObject({
      trackId: "s-1/track0-video",
      atMs: mtime,
      frames: s1.tracks[0].frames,
      durationMs: Math.round(s1.tracks[0].durationMs),
    });
    expect(lines[3]).toMatchObject({ sessionId: "s-1", reason: "recovered-after-crash" });
    // No session.json at all (crash during set-up): one is written from the folder names.
    expect(result[1].sessions[0]).toMatchObject({ sessionId: "s-3", participantId: "carol" });
    expect(JSON.parse(readFileSync(path.join(orphanDir, "session.json"), "utf8"))).toMatchObject({
      sessionId: "s-3",
      endReason: "recovered-after-crash",
    });

    const before = readFileSync(manifest);
    expect(await recoverUnfinishedSessions(root)).toEqual([]);
    expect(readFileSync(manifest).equals(before)).toBe(true);
  });
});

describe.skipIf(!hasFfmpeg)("standalone recorder killed mid-publish", () => {
  it("restarts, marks the session recovered-after-crash, and keeps media up to the kill", async () => {
    const secret = "crash-test-secret-0123456789abcdef";
    const root = path.join(dir, "killed");
    const env = {
      RECORDER_SECRET: secret,
      RECORDER_DIR: root,
      RECORDER_PORT: "0",
      RECORDER_HOST: "127.0.0.1",
      RECORDER_ICE_PORT_RANGE: "46200-46249",
      RECORDER_LOOPBACK: "1",
    };
    const first = await startRecorder(env);
    const token = issuePublisherToken(secret, { recordingId: "rec-crash", participantId: "bot", displayName: "Bot" });
    const stop = new AbortController();
    let mediaStart = 0;
    const sent = { audio: 0, video: 0 };
    const publishing = publishWhip({
      url: `${first.baseUrl}/whip/rec-crash`,
      token,
      seconds: 30,
      signal: stop.signal,
      icePortRange: [46250, 46299],
      rtpPortRange: [46300, 46349],
      onMediaStart: (at) => (mediaStart = at),
      onSent: (kind, ms) => (sent[kind] = ms),
    });
    while (!mediaStart) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 6000));
    const killedAtMs = Date.now();
    first.child.kill("SIGKILL");
    const sentAtKill = { ...sent };
    expect((await first.exited).signal).toBe("SIGKILL");
    stop.abort();
    const published = await publishing;
    expect(published.deleteStatus).toBeNull(); // nobody there to answer

    const second = await startRecorder(env);
    const recoveredLog = second.lines.find((l) => l.event === "session-recovered");
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    const [session] = await listRecordingSessions(root, "rec-crash");
    expect(session).toMatchObject({ endReason: "recovered-after-crash" });
    expect(recoveredLog).toMatchObject({ recordingId: "rec-crash", sessionId: session.sessionId });
    expect(session.endedAtMs!).toBeLessThanOrEqual(killedAtMs + 50);
    expect(session.endedAtMs!).toBeGreaterThan(killedAtMs - 2000);
    const sessionDir = path.join(root, "rec-crash", "bot", session.sessionId);
    const media = readdirSync(sessionDir).filter((f) => /\.(webm|mkv)$/.test(f));
    expect(media.map((f) => f.replace(/^track\d+-/, "")).sort()).toEqual(["audio.webm", "video.webm"]);
    for (const name of media) {
      const p = probe(path.join(sessionDir, name));
      expect(p.decodeErrors, name).toBe("");
      const timing = readFileSync(path.join(sessionDir, name.replace(/\.webm$/, ".timing.jsonl")), "utf8").split("\n");
      const firstPacket = timing
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return undefined;
          }
        })
        .find((l) => l?.type === "first-packet");
      const kind = name.includes("audio") ? "audio" : "video";
      const mediaEndMs = firstPacket.arrivalMs + p.duration * 1000;
      // On a busy machine ffmpeg's real-time encoding can fall behind the wall clock; that lag is the
      // publisher's, not a loss of the recorder's, so the allowance grows by it.
      const publisherLagMs = Math.max(0, killedAtMs - firstPacket.arrivalMs - sentAtKill[kind]);
      console.log(
        `${name}: media ends ${killedAtMs - mediaEndMs} ms before the kill (duration ${p.duration} s, ` +
          `${sentAtKill[kind] - p.duration * 1000} ms less than was sent, publisher lag ${publisherLagMs} ms)`,
      );
      expect(p.duration * 1000, name).toBeGreaterThan(sentAtKill[kind] - 2000);
      expect(mediaEndMs, name).toBeGreaterThan(killedAtMs - 2000 - publisherLagMs);
      expect(mediaEndMs, name).toBeLessThan(killedAtMs + 200);
    }
    // Recovery closes the session in the recording's manifest too.
    const manifest = path.join(root, "rec-crash", "manifest.jsonl");
    const lines = readFileSync(manifest, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === "session-end")).toEqual([
      expect.objectContaining({ sessionId: session.sessionId, reason: "recovered-after-crash", atMs: session.endedAtMs }),
    ]);
    expect(lines.filter((l) => l.type === "track-start")).toHaveLength(2);
    const ends = lines.filter((l) => l.type === "track-end");
    expect(ends.map((l) => l.trackId).sort()).toEqual(
      lines
        .filter((l) => l.type === "track-start")
        .map((l) => l.trackId)
        .sort(),
    );
    // The manifest's recovered lengths are the repaired files' (what was sent before the kill, less at most 2 s).
    for (const end of ends) {
      const kind = String(end.trackId).includes("audio") ? "audio" : "video";
      expect(end.durationMs, end.trackId).toBeGreaterThan(sentAtKill[kind] - 2000);
      expect(end.durationMs, end.trackId).toBeGreaterThan(500);
    }
  }, 60_000);
});
