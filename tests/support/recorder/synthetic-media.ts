import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { RtpLike } from "@/recorder/pipeline/types";

/** Real VP8 frames (from ffmpeg's libvpx) read out of an IVF file. */
export function makeVp8Frames(dir: string, seconds: number, fps = 25): Buffer[] {
  const file = path.join(dir, "src.ivf");
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=320x240:rate=${fps}`,
    "-t",
    String(seconds),
    "-c:v",
    "libvpx",
    "-g",
    String(fps),
    "-b:v",
    "300k",
    "-f",
    "ivf",
    file,
  ]);
  const ivf = readFileSync(file);
  const frames: Buffer[] = [];
  for (let at = ivf.readUInt16LE(6); at + 12 <= ivf.length; ) {
    const size = ivf.readUInt32LE(at);
    frames.push(ivf.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}

/** Real Opus packets (20 ms, stereo) read out of an Ogg file, header packets skipped. */
export function makeOpusPackets(dir: string, seconds: number, source = "sine=frequency=440:sample_rate=48000"): Buffer[] {
  const file = path.join(dir, "src.ogg");
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    source,
    "-t",
    String(seconds),
    "-ac",
    "2",
    "-c:a",
    "libopus",
    "-frame_duration",
    "20",
    "-f",
    "ogg",
    file,
  ]);
  const ogg = readFileSync(file);
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  for (let at = 0; at < ogg.length; ) {
    const nseg = ogg[at + 26];
    const lacing = ogg.subarray(at + 27, at + 27 + nseg);
    let p = at + 27 + nseg;
    for (const len of lacing) {
      partial.push(ogg.subarray(p, p + len));
      p += len;
      if (len < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    at = p;
  }
  return packets.slice(2);
}

export interface PacketizeOptions {
  ssrc?: number;
  firstSeq: number;
  firstTimestamp: number;
  ticksPerFrame: number;
  payloadType?: number;
  mtu?: number;
}

/** VP8 RTP (RFC 7741): one-byte descriptor, S bit on each frame's first packet, marker on its last. */
export function packetizeVp8(frames: Buffer[], o: PacketizeOptions): RtpLike[] {
  const out: RtpLike[] = [];
  let seq = o.firstSeq;
  frames.forEach((frame, i) => {
    const mtu = o.mtu ?? 1000;
    for (let off = 0; off < frame.length; off += mtu) {
      const chunk = frame.subarray(off, off + mtu);
      out.push(
        rtp(
          seq++,
          (o.firstTimestamp + i * o.ticksPerFrame) % 2 ** 32,
          off + mtu >= frame.length,
          o,
          Buffer.concat([Buffer.from([off === 0 ? 0x10 : 0x00]), chunk]),
        ),
      );
    }
  });
  return out;
}

export function packetizeOpus(packets: Buffer[], o: PacketizeOptions): RtpLike[] {
  return packets.map((p, i) => rtp(o.firstSeq + i, (o.firstTimestamp + i * o.ticksPerFrame) % 2 ** 32, i === 0, o, p));
}

function rtp(seq: number, timestamp: number, marker: boolean, o: PacketizeOptions, payload: Buffer): RtpLike {
  return {
    header: { sequenceNumber: seq % 65_536, timestamp, marker, ssrc: o.ssrc ?? 1234, payloadType: o.payloadType ?? 96 },
    payload,
  };
}

/** Swaps neighbours so the stream arrives out of order the way a network reorders it. */
export function swapPairs<T>(items: T[], every = 7): T[] {
  const out = [...items];
  for (let i = 3; i + 1 < out.length; i += every) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  return out;
}

export function probe(file: string) {
  const decode = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
  const json = (args: string[]) => JSON.parse(execFileSync("ffprobe", ["-v", "error", ...args, "-of", "json", file], { encoding: "utf8" }));
  const info = json(["-show_format", "-show_streams"]);
  const firstPacket = json(["-show_packets", "-read_intervals", "%+#1"]).packets[0];
  return {
    decodeErrors: `${decode.stderr}${decode.status === 0 ? "" : ` (exit ${decode.status})`}`,
    duration: Number(info.format.duration),
    streams: info.streams as Record<string, unknown>[],
    firstPacket: firstPacket as { flags: string; pts_time: string },
  };
}

/** Real H.264 access units (libx264, baseline, Annex B), one per frame, AUDs removed. */
export function makeH264AccessUnits(dir: string, seconds: number, fps = 25): Buffer[][] {
  const file = path.join(dir, "src.h264");
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc=size=320x240:rate=${fps}`,
    "-t",
    String(seconds),
    "-c:v",
    "libx264",
    "-profile:v",
    "baseline",
    "-pix_fmt",
    "yuv420p",
    "-g",
    String(fps),
    "-bf",
    "0",
    "-x264-params",
    "aud=1",
    "-f",
    "h264",
    file,
  ]);
  const data = readFileSync(file);
  const nals: Buffer[] = [];
  let start = -1;
  for (let i = 0; i + 3 <= data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) nals.push(data.subarray(start, data[i - 1] === 0 ? i - 1 : i));
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0) nals.push(data.subarray(start));
  const units: Buffer[][] = [];
  for (const nal of nals) {
    if ((nal[0] & 0x1f) === 9) units.push([]);
    else units.at(-1)?.push(nal);
  }
  return units.filter((u) => u.length > 0);
}

/** H.264 RTP (RFC 6184, packetization-mode 1): single NAL units, FU-A for large ones. */
export function packetizeH264(units: Buffer[][], o: PacketizeOptions): RtpLike[] {
  const out: RtpLike[] = [];
  const mtu = o.mtu ?? 1000;
  let seq = o.firstSeq;
  units.forEach((nals, i) => {
    const ts = (o.firstTimestamp + i * o.ticksPerFrame) % 2 ** 32;
    const payloads: Buffer[] = [];
    for (const nal of nals) {
      if (nal.length <= mtu) {
        payloads.push(nal);
        continue;
      }
      const indicator = (nal[0] & 0xe0) | 28;
      const type = nal[0] & 0x1f;
      for (let off = 1; off < nal.length; off += mtu) {
        const startBit = off === 1 ? 0x80 : 0;
        const endBit = off + mtu >= nal.length ? 0x40 : 0;
        payloads.push(Buffer.concat([Buffer.from([indicator, startBit | endBit | type]), nal.subarray(off, off + mtu)]));
      }
    }
    for (const [k, p] of payloads.entries()) out.push(rtp(seq++, ts, k === payloads.length - 1, o, p));
  });
  return out;
}

/** Waits until a writer's stream has reached its file: the size is non-zero and stops changing. */
export async function untilFileSettles(file: string): Promise<void> {
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const size = existsSync(file) ? statSync(file).size : -1;
    if (size > 0 && size === last) return;
    last = size;
  }
}
