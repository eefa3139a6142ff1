// A running recording's window waits for its media to be on disk. The recorder writes a track a Cluster at a time,
// later under load; a window rendered before then kept that tile empty for good (seen in the e2e: both tiles blank
// at mid-movie, though the raw tracks had the media). Here one participant's camera file is cut short on disk while
// the window closes, as the real writer's file looks when it lags, then written whole.
import { readFileSync, rmSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@/server/platform/logger";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { tryLiveMovie } from "@/server/recordings/live/assemble-live-movie";
import { basisOf } from "@/server/recordings/live/live-index";
import { LiveRecording, type LiveSource } from "@/server/recordings/live/live-recording";
import { ReadableEnd } from "@/recorder/recovery";
import { MKV, readElementHeader } from "@/recorder/recovery/ebml";
import { traceOverTime } from "@/tests/support/media/movie-content";
import { T0, TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

const OUTPUT = { width: 640, height: 360 };
const SECONDS = 10;
const WINDOW_MS = 5760;

/** Where a Matroska file's second Cluster starts: cut a little after it, only the first is whole on disk. */
function secondClusterAt(file: Buffer): number {
  let clusters = 0;
  for (let at = 0; at < file.length; ) {
    const h = readElementHeader(file, at);
    if (!h) break;
    if (h.id === MKV.Cluster && ++clusters === 2) return at;
    at += h.id === MKV.Segment ? h.headerLength : h.headerLength + (h.size ?? 0);
  }
  throw new Error("fewer than two Clusters");
}

describe("live windows wait for media on disk", () => {
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-live-wait-"));
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "wait",
      forcePathStyle: true,
      embeddedDir: path.join(dir, "s3"),
      embeddedPort: 0,
    });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A two-person recording still running: its manifest without the ends, and Ann's camera file cut after its first Cluster (about 3 s). */
  async function runningRecording(recordingId: string) {
    const recordingDir = path.join(dir, recordingId);
    const m = writeTwoPersonRecording(recordingDir, SECONDS);
    const running = m.lines.filter((l) => l.type !== "track-end" && l.type !== "session-end");
    m.lines.splice(0, m.lines.length, ...running);
    // The writer appends: the finished recording's manifest goes first.
    rmSync(path.join(recordingDir, "manifest.jsonl"));
    m.writeManifest(recordingDir);
    const camera = m.lines.find((l) => l.type === "track-start" && l.kind === "video" && l.sessionId === "ann");
    const file = path.join(recordingDir, (camera as { file: string }).file);
    const whole = readFileSync(file);
    truncateSync(file, secondClusterAt(whole) + 20);
    const cutAtMs = await new ReadableEnd(file).read();
    // The precondition: what is on disk ends well inside the first window.
    expect(cutAtMs).not.toBeNull();
    expect(cutAtMs!).toBeLessThan(4000);
    const spans: LiveSource["spans"] = [{ from: new Date(T0), to: null }];
    let now = T0;
    const live = new LiveRecording({
      recordingId,
      recordingDir,
      workDir: path.join(dir, "work", recordingId),
      storage: store,
      windowMs: WINDOW_MS,
      settleMs: 1000,
      mediaWaitMs: 4000,
      output: OUTPUT,
      read: async () => ({ spans, layout: "grid", layoutChanges: [] }),
      logger: createLogger("silent"),
      clock: () => now,
    });
    const at = async (ms: number) => {
      now = T0 + ms;
      await live.advance(false);
      return live.segments.length;
    };
    const stop = async () => {
      spans[0]!.to = new Date(T0 + SECONDS * 1000);
      now = T0 + SECONDS * 1000 + 500;
      await live.advance(true);
      const movie = path.join(dir, `${recordingId}.mp4`);
      const basis = basisOf({ spans: [{ fromMs: T0, toMs: T0 + SECONDS * 1000 }], layout: "grid", layoutChanges: [], output: OUTPUT });
      const made = await tryLiveMovie({ storage: store, recordingId, basis, outFile: movie, posterFile: `${movie}.jpg` });
      expect(made?.durationMs).toBe(SECONDS * 1000);
      return movie;
    };
    return { at, stop, restore: () => writeFileSync(file, whole), cutAtMs: cutAtMs! };
  }

  it("holds a closed window until the lagging camera file reaches its end, and the movie has that camera throughout", async () => {
    const r = await runningRecording("lagging");
    // The first window (0 to 5.76 s) is closed at 7 s, but Ann's camera is on disk only to cutAtMs.
    expect(await r.at(7000)).toBe(0);
    expect(await r.at(8000)).toBe(0);
    r.restore();
    expect(await r.at(9000)).toBeGreaterThanOrEqual(1);
    const movie = await r.stop();
    const ann = traceOverTime(movie, TWO_PERSON_MEDIA[0]!);
    const ben = traceOverTime(movie, TWO_PERSON_MEDIA[1]!);
    expect(
      ann.filter((s) => !s.colour).map((s) => s.second),
      "seconds without Ann's camera",
    ).toEqual([]);
    expect(
      ben.filter((s) => !s.colour).map((s) => s.second),
      "seconds without Ben's camera",
    ).toEqual([]);
  }, 120_000);

  it("renders without what never came once mediaWaitMs has passed (a sender that stopped must not stall the recording)", async () => {
    const r = await runningRecording("stalled");
    expect(await r.at(7000)).toBe(0);
    expect(await r.at(10_000)).toBe(0);
    // 4 s after the window first waited, it is rendered with Ann's camera as far as it came.
    expect(await r.at(11_000)).toBeGreaterThanOrEqual(1);
    r.restore();
    const movie = await r.stop();
    const ann = traceOverTime(movie, TWO_PERSON_MEDIA[0]!);
    // The control: what the old renderer did to every lagging window. Ann's tile is empty from the cut to the window's end.
    const missing = ann.filter((s) => !s.colour).map((s) => s.second);
    expect(missing.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...missing)).toBeGreaterThanOrEqual(Math.floor(r.cutAtMs / 1000));
    expect(Math.max(...missing)).toBeLessThan(WINDOW_MS / 1000);
  }, 120_000);
});
