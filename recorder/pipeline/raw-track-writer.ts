import { mkdirSync } from "node:fs";
import path from "node:path";
import { FrameAssembler } from "./frame-assembler";
import { KeyframeGate } from "./keyframe-gate";
import { MkvWriter, vp8KeyframeSize } from "./mkv-writer";
import { ReorderBuffer, type ReorderOutput } from "./reorder-buffer";
import { RtpClock } from "./rtp-clock";
import { TimingLog } from "./timing-log";
import type { RtpLike, SenderReportLike, TrackInfo, TrackSink } from "./types";

export interface RawTrackWriterOptions {
  /** Directory for `<name>.mkv`/`.webm` and `<name>.timing.jsonl`. */
  directory: string;
  /** File base name; defaults to `track<index>-<kind>`. */
  name?: string;
  reorderWaitMs?: number;
  now?: () => number;
}

export interface RawTrackFiles {
  media: string;
  timing: string;
}

/**
 * The per-track sink: RTP → reorder → frames (werift depacketizers) → keyframe gate (video) →
 * Matroska file, plus a timing sidecar holding what the compositor needs to align tracks:
 * first-packet arrival, every sender report and the resulting RTP→wall-clock mapping.
 */
export class RawTrackWriter implements TrackSink {
  readonly files: RawTrackFiles;
  private readonly reorder: ReorderBuffer<RtpLike>;
  private readonly clock: RtpClock;
  private readonly assembler: FrameAssembler;
  private readonly gate?: KeyframeGate;
  private readonly log: TimingLog;
  private readonly poller: NodeJS.Timeout;
  private readonly now: () => number;
  private mkv?: MkvWriter;
  private originRtp?: number;
  private lastFrameMs = 0;
  private framesWritten = 0;
  private closing?: Promise<void>;

  constructor(private readonly track: TrackInfo, opts: RawTrackWriterOptions) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.directory, { recursive: true });
    const base = path.join(opts.directory, opts.name ?? `track${track.trackIndex}-${track.kind}`);
    this.files = { media: `${base}.${track.codec === "h264" ? "mkv" : "webm"}`, timing: `${base}.timing.jsonl` };
    this.reorder = new ReorderBuffer({ maxWaitMs: opts.reorderWaitMs ?? 300 });
    this.clock = new RtpClock(track.clockRate);
    this.assembler = new FrameAssembler(track.codec);
    this.log = new TimingLog(this.files.timing);
    if (track.kind === "video") {
      this.gate = new KeyframeGate(() => {
        this.log.write({ type: "keyframe-request", atMs: this.now() });
        track.requestKeyframe();
      });
    }
    this.log.write({
      type: "track", kind: track.kind, codec: track.codec, ssrc: track.ssrc, clockRate: track.clockRate,
      trackIndex: track.trackIndex, file: path.basename(this.files.media), createdAtMs: this.now(),
    });
    // Gives up gaps at the end of a burst even when no further packet arrives to trigger it.
    this.poller = setInterval(() => this.consume(this.reorder.poll(this.now())), 50);
    this.poller.unref();
  }

  onRtp(packet: RtpLike): void {
    if (this.closing) return;
    const nowMs = this.now();
    if (this.originRtp === undefined) {
      this.originRtp = this.clock.unwrap(packet.header.timestamp);
      this.log.write({
        type: "first-packet", arrivalMs: nowMs, rtpTimestamp: packet.header.timestamp, originRtp: this.originRtp,
        sequenceNumber: packet.header.sequenceNumber,
      });
      this.gate?.onStart(nowMs);
    }
    this.consume(this.reorder.push(packet.header.sequenceNumber, packet, nowMs));
  }

  onSenderReport(sr: SenderReportLike): void {
    if (this.closing) return;
    const arrivalMs = this.now();
    const m = this.clock.onSenderReport(sr.senderInfo.ntpTimestamp, sr.senderInfo.rtpTimestamp, arrivalMs);
    this.log.write({
      type: "sr", arrivalMs, ntp: sr.senderInfo.ntpTimestamp, ntpUnixMs: m.wallMs, rtpTimestamp: sr.senderInfo.rtpTimestamp,
      rtp: m.rtp, mediaMs: this.mediaMs(m.rtp), packetCount: sr.senderInfo.packetCount, octetCount: sr.senderInfo.octetCount,
    });
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish() {
    clearInterval(this.poller);
    this.consume(this.reorder.drain());
    this.log.write({
      type: "end", atMs: this.now(), framesWritten: this.framesWritten, lastFrameMs: this.lastFrameMs,
      reorder: this.reorder.stats, assembler: this.assembler.stats, gate: this.gate?.stats,
    });
    try {
      await this.mkv?.close(this.lastFrameMs + this.frameDurationGuessMs());
    } finally {
      await this.log.close();
    }
  }

  private consume(out: ReorderOutput<RtpLike>) {
    if (out.lost > 0) {
      const nowMs = this.now();
      this.log.write({ type: "loss", atMs: nowMs, packets: out.lost });
      this.assembler.onLoss();
      this.gate?.onLoss(nowMs);
    }
    for (const packet of out.released) {
      const unwrapped = this.clock.unwrap(packet.header.timestamp);
      for (const frame of this.assembler.push(packet)) {
        if (this.gate && !this.gate.admit(frame, this.now())) continue;
        this.write(frame.data, frame.isKeyframe, this.mediaMs(unwrapped));
      }
    }
  }

  private write(data: Buffer, isKeyframe: boolean, ms: number) {
    if (!this.mkv) {
      const size = this.track.codec === "vp8" ? vp8KeyframeSize(data) : undefined;
      this.mkv = new MkvWriter(this.files.media, { kind: this.track.kind, codec: this.track.codec, ...size });
      this.log.write({ type: "first-frame", atMs: this.now(), mediaMs: ms, isKeyframe, ...size });
    }
    this.mkv.writeFrame(data, isKeyframe, ms);
    this.lastFrameMs = Math.max(this.lastFrameMs, ms);
    this.framesWritten++;
  }

  /** Media time (ms) relative to the track's first packet, which is the file's time zero. */
  private mediaMs(unwrappedRtp: number): number {
    return ((unwrappedRtp - (this.originRtp ?? unwrappedRtp)) * 1000) / this.track.clockRate;
  }

  private frameDurationGuessMs() {
    return this.track.kind === "audio" ? 20 : 50;
  }
}

export function rawTrackWriterFactory(opts: Omit<RawTrackWriterOptions, "name">) {
  return (track: TrackInfo): RawTrackWriter => new RawTrackWriter(track, opts);
}
