import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AudioLevelMeter, readAudioLevel, type AudioLevelWindow } from "@/recorder/pipeline/audio-level";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { RawTrackWriter } from "@/recorder/pipeline/raw-track-writer";
import type { RtpLike, TrackEvent } from "@/recorder/pipeline/types";
import { keyframeSize } from "@/recorder/pipeline/video-size";
import { answerIceFragment, restartOffer } from "@/recorder/ingest/ice-restart";
import { makeH264AccessUnits, makeOpusPackets, makeVp8Frames, packetizeOpus, packetizeVp8 } from "@/tests/support/recorder/synthetic-media";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const dir = mkdtempSync(path.join(os.tmpdir(), "ingest-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const decodeErrors = (file: string) => spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" }).stderr;
const packetTimes = (file: string) =>
  execFileSync("ffprobe", ["-v", "error", "-show_entries", "packet=dts", "-of", "csv=p=0", file], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map(Number);

describe.skipIf(!hasFfmpeg)("non-monotonic timestamps (known bug: 'non monotonically increasing dts')", () => {
  it("MkvWriter never writes a block timestamp that does not increase", async () => {
    const frames = makeVp8Frames(dir, 1);
    const file = path.join(dir, "mono.webm");
    const w = new MkvWriter(file, { kind: "video", codec: "vp8", width: 320, height: 240 });
    // 40 repeated, then 30 (backwards): the old writer clamped both to 40, i.e. three equal DTS.
    // 80 → 88: irregular pacing; without DefaultDuration ffmpeg guessed 25 fps and collided such frames.
    const times = [0, 40, 40, 30, 80, 88, 120, 160];
    for (const [i, t] of times.entries()) w.writeFrame(frames[i], i === 0, t);
    await w.close();
    const dts = packetTimes(file);
    expect(dts.length).toBe(times.length);
    for (let i = 1; i < dts.length; i++) expect(dts[i]).toBeGreaterThan(dts[i - 1]);
    expect(decodeErrors(file)).toBe("");
  });

  it("irregular frame pacing after a regular start (strictly increasing timestamps) decodes without DTS errors", async () => {
    const frames = makeVp8Frames(dir, 10, 20);
    const file = path.join(dir, "jitter.webm");
    const w = new MkvWriter(file, { kind: "video", codec: "vp8", width: 320, height: 240 });
    // 20 fps, one frame captured 35 ms late after 6.5 s (an encoder under load at 720p does this). Without
    // DefaultDuration ffmpeg guessed 20 fps from the regular start and reported "... dts to muxer in stream 0: 131 >= 131".
    for (const [i, f] of frames.entries()) w.writeFrame(f, i % 20 === 0, i * 50 + (i === 130 ? 35 : 0));
    await w.close();
    expect(decodeErrors(file)).toBe("");
  });

  it("RawTrackWriter drops a second frame with an already written RTP timestamp (a repeated/split frame)", async () => {
    const frames = makeVp8Frames(dir, 2);
    const packets = packetizeVp8(frames, { firstSeq: 100, firstTimestamp: 5000, ticksPerFrame: 3600 });
    // Frame 10's packets sent again under new sequence numbers: the same timestamp assembles twice.
    const f10 = packets.filter((p) => p.header.timestamp === 5000 + 10 * 3600);
    const at = packets.indexOf(f10.at(-1)!) + 1;
    const repeated = f10.map((p) => ({ ...p, header: { ...p.header } }));
    const stream = [...packets.slice(0, at), ...repeated, ...packets.slice(at)].map((p, i) => ({
      ...p,
      header: { ...p.header, sequenceNumber: 100 + i },
    }));
    const events: TrackEvent[] = [];
    const w = new RawTrackWriter(
      { kind: "video", codec: "vp8", ssrc: 1, clockRate: 90_000, trackIndex: 0, requestKeyframe: () => {} },
      { directory: path.join(dir, "split"), onEvent: (e) => events.push(e) },
    );
    for (const p of stream) w.onRtp(p);
    await w.close();
    expect(decodeErrors(w.files.media)).toBe("");
    const dts = packetTimes(w.files.media);
    for (let i = 1; i < dts.length; i++) expect(dts[i]).toBeGreaterThan(dts[i - 1]);
    const end = events.find((e) => e.type === "track-end");
    expect(end).toMatchObject({ frames: frames.length, stats: { nonIncreasing: 1 } });
    expect(events[0]).toMatchObject({ type: "track-start", mediaZeroMs: expect.any(Number) });
    expect(events.filter((e) => e.type === "video-size")).toEqual([{ type: "video-size", mediaMs: 0, width: 320, height: 240 }]);
  });
});

describe("video size from keyframes", () => {
  it.skipIf(!hasFfmpeg)("reads H.264 SPS sizes, frame cropping included", () => {
    for (const [w, h] of [
      [320, 240],
      [320, 180],
    ]) {
      execFileSync("ffmpeg", [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        `testsrc=size=${w}x${h}:rate=10`,
        "-t",
        "0.3",
        "-c:v",
        "libx264",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-f",
        "h264",
        path.join(dir, "sps.h264"),
      ]);
      const au = readFileSync(path.join(dir, "sps.h264")); // Annex B stream starting with SPS, PPS, IDR
      expect(keyframeSize("h264", au)).toEqual({ width: w, height: h });
    }
    const units = makeH264AccessUnits(dir, 0.2);
    const annexB = Buffer.concat(units[0].flatMap((n) => [Buffer.from([0, 0, 0, 1]), n]));
    expect(keyframeSize("h264", annexB)).toEqual({ width: 320, height: 240 });
  });

  it.skipIf(!hasFfmpeg)("reads VP8 keyframe sizes and ignores delta frames", () => {
    const frames = makeVp8Frames(dir, 0.2);
    expect(keyframeSize("vp8", frames[0])).toEqual({ width: 320, height: 240 });
    expect(keyframeSize("vp8", frames[1])).toBeUndefined();
  });
});

describe("audio levels (RFC 6464)", () => {
  const withLevel = (byte: number): RtpLike => ({
    header: {
      sequenceNumber: 1,
      timestamp: 0,
      marker: false,
      ssrc: 1,
      payloadType: 111,
      extensions: [
        { id: 1, payload: Buffer.from([0x11]) },
        { id: 3, payload: Buffer.from([byte]) },
      ],
    },
    payload: Buffer.alloc(0),
  });

  it("reads the V flag and level by the negotiated extension id", () => {
    expect(readAudioLevel(withLevel(0x80 | 30), 3)).toEqual({ level: 30, voice: true });
    expect(readAudioLevel(withLevel(127), 3)).toEqual({ level: 127, voice: false });
    expect(readAudioLevel(withLevel(30), 5)).toBeUndefined();
    expect(readAudioLevel(withLevel(30), undefined)).toBeUndefined();
  });

  it("folds packets into 250 ms windows and reports mute after over 1 s of silence, unmute when sound returns", () => {
    const windows: AudioLevelWindow[] = [];
    const mutes: [boolean, number][] = [];
    const m = new AudioLevelMeter({ onWindow: (w) => windows.push(w), onMute: (muted, ms) => mutes.push([muted, ms]) });
    for (let t = 0; t < 3500; t += 20) {
      const silent = t >= 1000 && t < 2500;
      m.push({ level: silent ? 127 : 30, voice: !silent }, t);
    }
    m.finish();
    expect(windows.length).toBe(14);
    expect(windows[0]).toEqual({ fromMs: 0, toMs: 250, dBov: -30, voice: 1 });
    expect(windows[5]).toEqual({ fromMs: 1250, toMs: 1500, dBov: -127, voice: 0 });
    expect(mutes).toEqual([
      [true, 1000],
      [false, 2500],
    ]);
  });

  it.skipIf(!hasFfmpeg)("a RawTrackWriter for Opus emits audio-level windows from the packets' extension", async () => {
    const packets = packetizeOpus(makeOpusPackets(dir, 1), { firstSeq: 1, firstTimestamp: 0, ticksPerFrame: 960, payloadType: 111 }).map(
      (p) => ({ ...p, header: { ...p.header, extensions: [{ id: 4, payload: Buffer.from([0x80 | 20]) }] } }),
    );
    const events: TrackEvent[] = [];
    const w = new RawTrackWriter(
      { kind: "audio", codec: "opus", ssrc: 2, clockRate: 48_000, trackIndex: 1, requestKeyframe: () => {}, audioLevelExtensionId: 4 },
      { directory: path.join(dir, "levels"), onEvent: (e) => events.push(e) },
    );
    for (const p of packets) w.onRtp(p);
    await w.close();
    const levels = events.filter((e) => e.type === "audio-level");
    expect(levels.length).toBe(Math.ceil((packets.length * 20) / 250));
    expect(levels[0]).toEqual({ type: "audio-level", fromMs: 0, toMs: 250, dBov: -20, voice: 1 });
    expect(decodeErrors(w.files.media)).toBe("");
  });
});

describe("ICE restart SDP plumbing", () => {
  it("re-offers with the new credentials and without old candidates; answers ufrag, pwd, mid and candidates", () => {
    const offer =
      "v=0\r\na=group:BUNDLE 0 1\r\nm=audio 9 X 111\r\na=mid:0\r\na=ice-ufrag:old\r\na=ice-pwd:oldpwd\r\na=candidate:1 1 udp 1 127.0.0.1 5 typ host\r\na=end-of-candidates\r\nm=video 9 X 96\r\na=mid:1\r\na=ice-ufrag:old\r\na=ice-pwd:oldpwd\r\n";
    const re = restartOffer(offer, "new", "newpwd");
    expect(re).not.toContain("old");
    expect(re).not.toContain("a=candidate");
    expect(re.match(/a=ice-ufrag:new/g)?.length).toBe(2);
    const frag = answerIceFragment(
      re
        .replace("m=audio", "a=candidate:9 1 udp 5 127.0.0.1 45001 typ host\r\nm=audio")
        .replace("a=mid:0\r\n", "a=mid:0\r\na=candidate:2 1 udp 9 127.0.0.1 45002 typ host\r\n"),
    );
    expect(frag).toBe(
      "a=ice-ufrag:new\r\na=ice-pwd:newpwd\r\na=group:BUNDLE 0 1\r\nm=audio 9 X 111\r\na=mid:0\r\na=candidate:2 1 udp 9 127.0.0.1 45002 typ host\r\n",
    );
  });
});
