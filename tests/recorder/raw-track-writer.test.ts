import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RawTrackWriter } from "@/recorder/pipeline/raw-track-writer";
import { NTP_UNIX_OFFSET_SECONDS } from "@/recorder/pipeline/rtp-clock";
import type { TrackInfo } from "@/recorder/pipeline/types";
import {
  makeH264AccessUnits,
  makeOpusPackets,
  makeVp8Frames,
  packetizeH264,
  packetizeOpus,
  packetizeVp8,
  probe,
  swapPairs,
} from "@/tests/support/recorder/synthetic-media";

const dir = mkdtempSync(path.join(os.tmpdir(), "raw-track-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
// Real encoded media (ffmpeg's libvpx / libopus / libx264) so that decoding the output proves something.
const vp8 = hasFfmpeg ? makeVp8Frames(dir, 3) : [];
const opus = hasFfmpeg ? makeOpusPackets(dir, 3) : [];

function track(kind: "audio" | "video", requests: { n: number }, trackIndex = 0): TrackInfo {
  return kind === "video"
    ? { kind, codec: "vp8", ssrc: 1, clockRate: 90_000, trackIndex, requestKeyframe: () => requests.n++ }
    : { kind, codec: "opus", ssrc: 2, clockRate: 48_000, trackIndex, requestKeyframe: () => requests.n++ };
}

function timing(file: string) {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe.skipIf(!hasFfmpeg)("raw-track-writer", () => {
  it("writes reordered VP8 across seq and timestamp wraps into a clean WebM starting on a keyframe", async () => {
    const requests = { n: 0 };
    let now = 1_000_000;
    const w = new RawTrackWriter(track("video", requests), { directory: dir, name: "vp8-clean", now: () => now });
    const packets = packetizeVp8(vp8, { firstSeq: 65_400, firstTimestamp: 2 ** 32 - 100_000, ticksPerFrame: 3600 });
    const ntp = (BigInt(NTP_UNIX_OFFSET_SECONDS + 1_700_000_000) << 32n) | 0x80000000n;
    w.onSenderReport({ ssrc: 1, senderInfo: { ntpTimestamp: ntp, rtpTimestamp: 2 ** 32 - 100_000, packetCount: 0, octetCount: 0 } });
    for (const p of swapPairs(packets)) {
      now += 5;
      w.onRtp(p);
    }
    await w.close();
    const r = probe(w.files.media);
    expect(r.decodeErrors).toBe("");
    expect(r.duration).toBeGreaterThan(2.8);
    expect(r.duration).toBeLessThan(3.2);
    expect(r.firstPacket.flags).toContain("K");
    expect(r.streams[0]).toMatchObject({ codec_name: "vp8", width: 320, height: 240 });
    expect(requests.n).toBe(1); // the PLI at track start
    const lines = timing(w.files.timing);
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(["track", "first-packet", "sr", "first-frame", "end"]));
    expect(lines.find((l) => l.type === "sr")).toMatchObject({ ntpUnixMs: 1_700_000_000_500, mediaMs: 0 });
    expect(lines.find((l) => l.type === "first-packet")).toMatchObject({ arrivalMs: 1_000_005 });
    expect(lines.find((l) => l.type === "end")).toMatchObject({ reorder: { lost: 0 } });
  });

  it("after a lost packet drops frames until the next keyframe, asks for a PLI, and the file still decodes cleanly", async () => {
    const requests = { n: 0 };
    let now = 0;
    const w = new RawTrackWriter(track("video", requests), { directory: dir, name: "vp8-loss", now: () => now, reorderWaitMs: 100 });
    const packets = packetizeVp8(vp8, { firstSeq: 100, firstTimestamp: 5000, ticksPerFrame: 3600 });
    const lostIndex = Math.floor(packets.length / 3);
    for (const [i, p] of packets.entries()) {
      now += 40; // so the loss comes more than the PLI retry interval after the start
      if (i !== lostIndex) w.onRtp(p);
    }
    await w.close();
    const r = probe(w.files.media);
    expect(r.decodeErrors).toBe("");
    expect(requests.n).toBe(2);
    const end = timing(w.files.timing).find((l) => l.type === "end");
    expect(end.reorder.lost).toBe(1);
    expect(end.gate.dropped).toBeGreaterThan(0);
    expect(end.framesWritten).toBeLessThan(vp8.length);
  });

  it("writes reordered H.264 (single NAL + FU-A) into a clean Matroska file starting on a keyframe", async () => {
    const units = makeH264AccessUnits(dir, 3);
    let now = 0;
    const info: TrackInfo = { kind: "video", codec: "h264", ssrc: 3, clockRate: 90_000, trackIndex: 0, requestKeyframe: () => {} };
    const w = new RawTrackWriter(info, { directory: dir, name: "h264", now: () => now });
    // Start mid-GOP: the writer must wait for the next IDR.
    for (const p of swapPairs(packetizeH264(units.slice(5), { firstSeq: 65_000, firstTimestamp: 123, ticksPerFrame: 3600 }))) {
      now += 5;
      w.onRtp(p);
    }
    await w.close();
    const r = probe(w.files.media);
    expect(w.files.media.endsWith(".mkv")).toBe(true);
    expect(r.decodeErrors).toBe("");
    expect(r.streams[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect(r.firstPacket.flags).toContain("K");
    expect(Number(r.firstPacket.pts_time)).toBeCloseTo(0.8, 1); // frames 5..24 dropped until the IDR at frame 25
    expect(r.duration).toBeGreaterThan(2.8 - 0.2);
  });

  it("writes Opus into a clean WebM with the right duration even when it starts late", async () => {
    let now = 0;
    const w = new RawTrackWriter(track("audio", { n: 0 }), { directory: dir, name: "opus", now: () => now });
    for (const p of swapPairs(
      packetizeOpus(opus, { firstSeq: 65_530, firstTimestamp: 2 ** 32 - 4800, ticksPerFrame: 960, payloadType: 111 }),
    )) {
      now += 20;
      w.onRtp(p);
    }
    await w.close();
    const r = probe(w.files.media);
    expect(r.decodeErrors).toBe("");
    expect(r.streams[0]).toMatchObject({ codec_name: "opus", channels: 2, sample_rate: "48000" });
    expect(r.duration).toBeGreaterThan(2.8);
    expect(r.duration).toBeLessThan(3.2);
  });

  it("flushes the timing sidecar while recording, not only at close", async () => {
    const w = new RawTrackWriter(track("audio", { n: 0 }), { directory: dir, name: "flush" });
    for (const p of packetizeOpus(opus.slice(0, 10), { firstSeq: 1, firstTimestamp: 0, ticksPerFrame: 960 })) w.onRtp(p);
    await new Promise((r) => setTimeout(r, 1300));
    expect(timing(w.files.timing).map((l) => l.type)).toContain("first-packet");
    await w.close();
  });
});
