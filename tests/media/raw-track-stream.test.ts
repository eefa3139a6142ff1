// UPLOAD_RAW_TRACKS while recording: a track file written by the recorder's own Matroska writer grows between passes
// and is finished at the end (its head rewritten with the segment size and duration); what was streamed to storage
// rebuilds the file byte for byte. Cut off before the end (the node died), the chunks still make a playable file
// holding the media streamed so far.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManifestWriter } from "@/recorder/ingest/manifest";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { T0 } from "@/tests/support/media/synthetic-recording";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { RawTrackStream, rawChunksComplete, restoreRawChunks } from "@/server/recordings/live/raw-track-stream";
import { makeVp8Frames, probe, untilFileSettles } from "@/tests/support/recorder/synthetic-media";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

describe.skipIf(!hasFfmpeg)("raw tracks streamed to storage while recording", () => {
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-raw-stream-"));
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "raw",
      forcePathStyle: true,
      embeddedDir: path.join(dir, "s3"),
      embeddedPort: 0,
    });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function record(recordingId: string, passes: number, finish: boolean) {
    const recordingDir = path.join(dir, "recordings", recordingId);
    const sessionDir = path.join(recordingDir, "agent:ann", "s1");
    mkdirSync(sessionDir, { recursive: true });
    const file = path.join(sessionDir, "track0-video.webm");
    // The recorder's own manifest writer: one line per pass, as a running recording's manifest grows.
    const manifestWriter = new ManifestWriter(path.join(dir, "recordings"), recordingId, (err) => {
      throw err;
    });
    const manifest = manifestWriter.path;
    const frames = makeVp8Frames(dir, 6);
    const stream = new RawTrackStream({ storage: store, recordingId, recordingDir });
    const writer = new MkvWriter(file, { kind: "video", codec: "vp8", width: 320, height: 240 });
    const per = Math.ceil(frames.length / 3);
    for (let pass = 0; pass < passes; pass++) {
      for (let i = pass * per; i < Math.min(frames.length, (pass + 1) * per); i++) writer.writeFrame(frames[i]!, i % 25 === 0, i * 40);
      writer.flushCluster();
      manifestWriter.append({
        type: "session-start",
        atMs: T0 + pass * 1000,
        sessionId: `s${pass}`,
        participantId: "agent:ann",
        displayName: "Ann",
        source: "camera",
        offeredTracks: 1,
      });
      await untilFileSettles(file);
      await stream.sync(false);
    }
    if (finish) {
      await writer.close();
      await stream.sync(true);
    }
    return { file, manifest, stream, frames };
  }

  it("rebuilds every file byte for byte, the finished Matroska head included", async () => {
    const { file, manifest, stream } = await record("whole", 3, true);
    expect(await rawChunksComplete(store, "whole")).toBe(true);
    // Three passes stored only what each added, plus the head again at the end.
    expect(stream.uploadedBytes).toBeLessThan(statSync(file).size + statSync(manifest).size + 70 * 1024);
    const into = path.join(dir, "restored-whole");
    expect(await restoreRawChunks(store, "whole", into)).toBe(2);
    expect(readFileSync(path.join(into, "agent:ann", "s1", "track0-video.webm")).equals(readFileSync(file))).toBe(true);
    expect(readFileSync(path.join(into, "manifest.jsonl"), "utf8")).toBe(readFileSync(manifest, "utf8"));
  });

  it("after a node died mid-recording: what was streamed plays, up to the last pass", async () => {
    const { frames } = await record("cut", 2, false);
    expect(await rawChunksComplete(store, "cut")).toBe(false);
    const into = path.join(dir, "restored-cut");
    expect(await restoreRawChunks(store, "cut", into)).toBe(2);
    const restored = path.join(into, "agent:ann", "s1", "track0-video.webm");
    // Two of three passes: the frames written before the last pass, decodable (the segment size left unknown).
    expect(probe(restored).decodeErrors).toBe("");
    const counted = execFileSync(
      "ffprobe",
      ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", restored],
      { encoding: "utf8" },
    );
    expect(Number(counted.trim())).toBe(2 * Math.ceil(frames.length / 3));
    expect(readFileSync(path.join(into, "manifest.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
  });
});
