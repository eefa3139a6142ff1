import { createWriteStream, type WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { MediaKind, RecordedCodec } from "@/recorder/pipeline/types";

/**
 * A minimal Matroska writer. We write our own rather than use werift's saveToFileSystem, which
 * writes a fixed Segment size with unknown-size Clusters (ffmpeg logs an error). Here every Cluster
 * has a known size and is written whole, the Segment starts as "unknown size" (so a file cut
 * short by a crash is still a readable live stream) and is patched with its real size and
 * Duration on close.
 */

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  DefaultDuration: 0x23e383,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  Void: 0xec,
} as const;

function idBytes(id: number): Buffer {
  const len = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const b = Buffer.alloc(len);
  b.writeUIntBE(id, 0, len);
  return b;
}

/** 8-byte size vint, so any size fits and patching in place never changes the layout. */
function size8(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUIntBE(n, 2, 6);
  b[0] = 0x01;
  return b;
}
const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function el(id: number, content: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(content) ? Buffer.concat(content) : content;
  return Buffer.concat([idBytes(id), size8(body.length), body]);
}
function uint(n: number): Buffer {
  let len = 1;
  while (len < 6 && n >= 2 ** (8 * len)) len++;
  const b = Buffer.alloc(len);
  b.writeUIntBE(n, 0, len);
  return b;
}
function float64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
}
const str = (s: string) => Buffer.from(s, "ascii");

const CODEC_ID: Record<RecordedCodec, string> = { opus: "A_OPUS", vp8: "V_VP8", h264: "V_MPEG4/ISO/AVC" };

const OPUS_PRE_SKIP_NS = (312 / 48_000) * 1e9;

/** OpusHead (RFC 7845 §5.1): version 1, 2 channels, pre-skip 312, 48 kHz, gain 0, mapping family 0. */
function opusHead(): Buffer {
  const b = Buffer.alloc(19);
  b.write("OpusHead", 0, "ascii");
  b[8] = 1;
  b[9] = 2;
  b.writeUInt16LE(312, 10);
  b.writeUInt32LE(48000, 12);
  return b;
}

export interface MkvTrackSpec {
  kind: MediaKind;
  codec: RecordedCodec;
  width?: number;
  height?: number;
}

const CLUSTER_MAX_MS = 1000;
const VIDEO_DEFAULT_DURATION_NS = 2_000_000;
/** Smallest step between two video blocks: one DefaultDuration, so even a nudged frame gets its own tick. */
const VIDEO_MIN_STEP_MS = VIDEO_DEFAULT_DURATION_NS / 1_000_000;

export class MkvWriter {
  private readonly out: WriteStream;
  private written = 0;
  private segmentDataStart = 0;
  private durationVoidAt = 0;
  private clusterStartMs?: number;
  private blocks: Buffer[] = [];
  private lastMs = 0;
  private frameCount = 0;
  private closed = false;
  private failure?: Error;

  constructor(
    readonly path: string,
    private readonly track: MkvTrackSpec,
  ) {
    this.out = createWriteStream(path);
    this.out.on("error", (e) => (this.failure = e));
    this.writeHeader();
  }

  /**
   * `ms` is the frame's time from the start of the track. Block timestamps are made strictly
   * increasing: two blocks with the same timestamp are what ffmpeg reports as "non monotonically
   * increasing dts" (this writer used to clamp a late frame to the previous timestamp).
   */
  writeFrame(data: Buffer, isKeyframe: boolean, ms: number): void {
    if (this.closed) return;
    ms = Math.round(ms);
    const step = this.track.kind === "video" ? VIDEO_MIN_STEP_MS : 1;
    if (this.frameCount > 0 && ms < this.lastMs + step) ms = this.lastMs + step;
    this.frameCount++;
    const startNewCluster =
      this.clusterStartMs === undefined ||
      ms - this.clusterStartMs >= CLUSTER_MAX_MS ||
      (isKeyframe && this.track.kind === "video" && this.blocks.length > 0);
    if (startNewCluster) {
      this.flushCluster();
      this.clusterStartMs = ms;
    }
    const rel = ms - this.clusterStartMs!;
    const head = Buffer.alloc(4);
    head[0] = 0x81; // track number 1 as a 1-byte vint
    head.writeInt16BE(rel, 1);
    head[3] = isKeyframe ? 0x80 : 0x00;
    this.blocks.push(el(ID.SimpleBlock, [head, data]));
    this.lastMs = ms;
  }

  /** Writes buffered frames out as one Cluster; called at least every CLUSTER_MAX_MS of media. */
  flushCluster(): void {
    if (this.blocks.length === 0 || this.clusterStartMs === undefined) return;
    this.append(el(ID.Cluster, [el(ID.Timecode, uint(this.clusterStartMs)), ...this.blocks]));
    this.blocks = [];
  }

  /** Finishes the file; `durationMs` defaults to the last frame's time. */
  async close(durationMs?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushCluster();
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.failure) throw this.failure;
    const fh = await open(this.path, "r+");
    try {
      await fh.write(size8(this.written - this.segmentDataStart), 0, 8, this.segmentDataStart - 8);
      const duration = Buffer.concat([idBytes(ID.Duration), Buffer.from([0x88]), float64(durationMs ?? this.lastMs)]);
      await fh.write(duration, 0, duration.length, this.durationVoidAt);
    } finally {
      await fh.close();
    }
  }

  private append(buf: Buffer) {
    this.out.write(buf);
    this.written += buf.length;
  }

  private writeHeader() {
    const t = this.track;
    this.append(
      el(ID.EBML, [
        el(ID.EBMLVersion, uint(1)),
        el(ID.EBMLReadVersion, uint(1)),
        el(ID.EBMLMaxIDLength, uint(4)),
        el(ID.EBMLMaxSizeLength, uint(8)),
        el(ID.DocType, str(t.codec === "h264" ? "matroska" : "webm")),
        el(ID.DocTypeVersion, uint(4)),
        el(ID.DocTypeReadVersion, uint(2)),
      ]),
    );
    this.append(Buffer.concat([idBytes(ID.Segment), UNKNOWN_SIZE]));
    this.segmentDataStart = this.written;
    const infoHead = [el(ID.TimecodeScale, uint(1_000_000)), el(ID.MuxingApp, str("vhd-recorder")), el(ID.WritingApp, str("vhd-recorder"))];
    const infoHeadLen = infoHead.reduce((n, b) => n + b.length, 0);
    // 11-byte Void where the 11-byte Duration element goes on close.
    const voidEl = Buffer.concat([Buffer.from([ID.Void, 0x89]), Buffer.alloc(9)]);
    const info = el(ID.Info, [...infoHead, voidEl]);
    this.durationVoidAt = this.written + 4 + 8 + infoHeadLen;
    this.append(info);
    const entry: Buffer[] = [
      el(ID.TrackNumber, uint(1)),
      el(ID.TrackUID, uint(1)),
      el(ID.TrackType, uint(t.kind === "video" ? 1 : 2)),
      el(ID.CodecID, str(CODEC_ID[t.codec])),
    ];
    if (t.kind === "video") {
      // Frames are variable-rate, and ffmpeg takes its frame-rate guess from DefaultDuration, else from the
      // first seconds. With a regular 20 fps start it guessed 20 fps, and `ffmpeg -i FILE -f null -`
      // (passthrough timing in ticks of 1/guessed-rate) then reported "non monotonically increasing dts"
      // for any later frame closer than one tick to the previous (irregular pacing under load at 720p).
      // 2 ms = 500 fps is finer than any real spacing. Consumers must set their own output rate (fps / -r).
      entry.push(el(ID.DefaultDuration, uint(VIDEO_DEFAULT_DURATION_NS)));
      entry.push(el(ID.Video, [el(ID.PixelWidth, uint(t.width ?? 640)), el(ID.PixelHeight, uint(t.height ?? 480))]));
    } else {
      entry.push(el(ID.CodecPrivate, opusHead()));
      // The encoder's lookahead (OpusHead's pre-skip, 6.5 ms): without it ffmpeg places decoded sample 312, which
      // holds what was captured at the packet's RTP time, at +6.5 ms, so every recorded voice sat 6.5 ms late.
      entry.push(el(ID.CodecDelay, uint(OPUS_PRE_SKIP_NS)));
      entry.push(el(ID.Audio, [el(ID.SamplingFrequency, float64(48000)), el(ID.Channels, uint(2))]));
    }
    this.append(el(ID.Tracks, el(ID.TrackEntry, entry)));
  }
}

export { vp8KeyframeSize } from "@/recorder/pipeline/video-size";
