import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tileColor } from "@/lib/compositing/filter-graph";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import { ffprobe } from "@/server/recordings/compose/ffprobe";
import { makeOpusPackets, makeVp8Frames, packetizeOpus, packetizeVp8 } from "@/tests/support/recorder/synthetic-media";
import { colorDistance, frameAt, hexColor, SyntheticRecording, meanColor, T0 } from "@/tests/support/media/synthetic-recording";

// Files written by the recorder's own track writer (not by ffmpeg): the compositor must read them as they are.
const dir = mkdtempSync(path.join(tmpdir(), "recorder-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("compositing the recorder's own track files", () => {
  it("places a video whose file starts at its first keyframe (0.8 s after the first packet) at the right time", async () => {
    const rec = path.join(dir, "rec");
    const frames = makeVp8Frames(dir, 4); // testsrc 320x240, keyframe every 25 frames
    const opus = makeOpusPackets(dir, 4);
    const m = new SyntheticRecording();
    m.session("s1", "visitor:p1", "Pat", "camera", 0);
    // Both tracks' first packets arrive at 1 s; their manifest lines come from the writers' own events.
    const { writer: video, ...v } = m.trackWriter(rec, "s1", "video", "vp8", 1000, 1);
    const { writer: audio } = m.trackWriter(rec, "s1", "audio", "opus", 1000, 2);
    // The first 5 frames are missing (joined mid-GOP): the keyframe gate drops frames 5-24, frame 25 starts the file.
    for (const p of packetizeVp8(frames.slice(5), { firstSeq: 10, firstTimestamp: 1000, ticksPerFrame: 3600 })) video.onRtp(p);
    for (const p of packetizeOpus(opus, { firstSeq: 1, firstTimestamp: 0, ticksPerFrame: 960 })) audio.onRtp(p);
    await Promise.all([video.close(), audio.close()]);
    m.end("s1", 5000);
    expect(v.file).toBe("visitor:p1/s1/track0-video.webm");
    expect((await ffprobe(path.join(rec, v.file))).streams[0].startMs).toBe(800);

    const out = path.join(rec, "out.mp4");
    const result = await composeRecording({
      recordingDir: rec,
      manifestText: m.text(),
      spans: [{ fromMs: T0, toMs: T0 + 5000 }],
      output: { width: 320, height: 180 },
      outFile: out,
    });
    expect(result.droppedTracks).toEqual([]);
    expect(Math.abs((await ffprobe(out)).durationMs! - 5000)).toBeLessThan(100);
    const tile = result.segments[0].tiles[0] ?? result.segments[1].tiles[0];
    const nameTile = hexColor(tileColor("visitor:p1"));
    const corner = (ms: number) => meanColor(frameAt(out, ms / 1000, 320, 180), 320, { x: tile.x + 40, y: tile.y + 4, w: 40, h: 20 }, 2);
    // Before the file's first frame (1.0 s + 0.8 s) the tile is Pat's name tile; from then on it is the picture.
    expect(colorDistance(corner(1600), nameTile)).toBeLessThan(30);
    expect(colorDistance(corner(1880), nameTile)).toBeGreaterThan(30);
    expect(colorDistance(corner(3000), nameTile)).toBeGreaterThan(30);
  });
});
