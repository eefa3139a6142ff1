import { mkdirSync } from "node:fs";
import path from "node:path";
import { AudioLevelMeter, readAudioLevel } from "@/recorder/pipeline/audio-level";
import { FrameAssembler } from "@/recorder/pipeline/frame-assembler";
import { KeyframeGate } from "@/recorder/pipeline/keyframe-gate";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { ReorderBuffer, type ReorderOutput } from "@/recorder/pipeline/reorder-buffer";
import { RtpClock } from "@/recorder/pipeline/rtp-clock";
import { SenderAlignment } from "@/recorder/pipeline/sender-alignment";
import { rawTrackFiles, type RawTrackFiles } from "@/recorder/pipeline/track-files";
import { TimingLog } from "@/recorder/pipeline/timing-log";
import type { ReceiveStats, RtpLike, SenderReportLike, TrackEndStats, TrackEvent, TrackInfo, TrackSink } from "@/recorder/pipeline/types";
import { keyframeSize, type VideoSize } from "@/recorder/pipeline/video-size";

export type { RawTrackFiles };

export interface RawTrackWriterOptions {
  /** Directory for `<name>.mkv`/`.webm` and `<name>.timing.jsonl`. */
  directory: string;
  /** File base name; defaults to `track<index>-<kind>`. */
  name?: string;
  reorderWaitMs?: number;
  now?: () => number;
  /** Manifest events (track-start, track-sync, video-size, audio-level, mute/unmute, track-end). */
  onEvent?: (event: TrackEvent) => void;
  /** Video without frames for longer than this (wall clock) counts as muted. */
  videoMuteAfterMs?: number;
  /** Audio without any packet for longer than this (wall clock) counts as muted. */
  audioGoneAfterMs?: number;
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
  private readonly meter?: AudioLevelMeter;
  private readonly emit: (event: TrackEvent) => void;
  private mkv?: MkvWriter;
  private originRtp?: number;
  private lastFrameMs = 0;
  private lastWrittenRtp?: number;
  private framesWritten = 0;
  private nonIncreasing = 0;
  private readonly alignment: SenderAlignment;
  private size?: VideoSize;
  private lastMediaArrivalAt = 0;
  private lastMediaMs = 0;
  private videoMuted = false;
  private closing?: Promise<void>;
  private finalReceive?: ReceiveStats;

  constructor(
    private readonly track: TrackInfo,
    opts: RawTrackWriterOptions,
  ) {
    this.now = opts.now ?? Date.now;
    mkdirSync(opts.directory, { recursive: true });
    this.files = rawTrackFiles(opts.directory, track, opts.name);
    this.reorder = new ReorderBuffer({ maxWaitMs: opts.reorderWaitMs ?? 300 });
    this.clock = new RtpClock(track.clockRate);
    this.alignment = new SenderAlignment(track.clockRate);
    this.assembler = new FrameAssembler(track.codec);
    this.log = new TimingLog(this.files.timing);
    this.emit = (event) => {
      try {
        opts.onEvent?.(event);
      } catch {
        // a failing manifest must not stop the media
      }
    };
    if (track.kind === "audio") {
      this.meter = new AudioLevelMeter({
        onWindow: (w) => this.emit({ type: "audio-level", ...w }),
        onMute: (muted, mediaMs) => this.onMute(muted, mediaMs),
      });
    }
    if (track.kind === "video") {
      this.gate = new KeyframeGate(() => {
        this.log.write({ type: "keyframe-request", atMs: this.now() });
        track.requestKeyframe();
      });
    }
    this.log.write({
      type: "track",
      kind: track.kind,
      codec: track.codec,
      ssrc: track.ssrc,
      clockRate: track.clockRate,
      trackIndex: track.trackIndex,
      file: path.basename(this.files.media),
      createdAtMs: this.now(),
    });
    // Gives up gaps at the end of a burst even when no further packet arrives to trigger it.
    this.poller = setInterval(() => {
      this.consume(this.reorder.poll(this.now()));
      this.checkGone(opts);
    }, 50);
    this.poller.unref();
  }

  onRtp(packet: RtpLike): void {
    if (this.closing) return;
    const nowMs = this.now();
    if (this.originRtp === undefined) {
      this.originRtp = this.clock.unwrap(packet.header.timestamp);
      this.log.write({
        type: "first-packet",
        arrivalMs: nowMs,
        rtpTimestamp: packet.header.timestamp,
        originRtp: this.originRtp,
        sequenceNumber: packet.header.sequenceNumber,
      });
      this.emit({ type: "track-start", mediaZeroMs: nowMs });
      this.emitSync(); // a sender report may have come first
      this.gate?.onStart(nowMs);
    }
    if (this.track.kind === "audio") this.lastMediaArrivalAt = nowMs;
    this.consume(this.reorder.push(packet.header.sequenceNumber, packet, nowMs));
  }

  onSenderReport(sr: SenderReportLike): void {
    if (this.closing) return;
    const arrivalMs = this.now();
    const m = this.clock.onSenderReport(sr.senderInfo.ntpTimestamp, sr.senderInfo.rtpTimestamp, arrivalMs);
    this.log.write({
      type: "sr",
      arrivalMs,
      ntp: sr.senderInfo.ntpTimestamp,
      ntpUnixMs: m.wallMs,
      rtpTimestamp: sr.senderInfo.rtpTimestamp,
      rtp: m.rtp,
      mediaMs: this.mediaMs(m.rtp),
      packetCount: sr.senderInfo.packetCount,
      octetCount: sr.senderInfo.octetCount,
    });
    this.alignment.addReport({ rtp: m.rtp, ntpUnixMs: m.wallMs, arrivalMs });
    this.emitSync();
  }

  /**
   * track-sync whenever the estimate of where file time 0 lies improves (a report with less transit):
   * the sender's clock lines this track up with the same sender's other tracks, and `alignedZeroMs`
   * puts it on the recorder's clock without the first packet's encoder/pacer/event-loop delay.
   */
  private emitSync() {
    const estimate = this.alignment.takeImproved(this.originRtp);
    if (!estimate) return;
    this.log.write({ type: "sync", atMs: this.now(), ...estimate });
    this.emit({ type: "track-sync", ...estimate });
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish() {
    clearInterval(this.poller);
    this.consume(this.reorder.drain());
    this.meter?.finish();
    // One snapshot for both the end record and track-end: the counters keep moving while the file closes.
    const receive = this.track.receiveStats?.();
    this.finalReceive = receive;
    this.log.write({
      type: "end",
      atMs: this.now(),
      framesWritten: this.framesWritten,
      lastFrameMs: this.lastFrameMs,
      reorder: this.reorder.stats,
      assembler: this.assembler.stats,
      gate: this.gate?.stats,
      nonIncreasing: this.nonIncreasing,
      ...receive,
    });
    const durationMs = this.mkv ? this.lastFrameMs + this.frameDurationGuessMs() : 0;
    try {
      await this.mkv?.close(durationMs);
    } finally {
      await this.log.close();
      this.emit({ type: "track-end", durationMs, frames: this.framesWritten, stats: this.endStats() });
    }
  }

  endStats(): TrackEndStats {
    return {
      framesWritten: this.framesWritten,
      packetsLost: this.reorder.stats.lost,
      packetsLate: this.reorder.stats.late,
      nonIncreasing: this.nonIncreasing,
      ...(this.finalReceive ?? this.track.receiveStats?.()),
    };
  }

  private consume(out: ReorderOutput<RtpLike>) {
    let gap = 0;
    out.released.forEach((packet, index) => {
      // A loss applies where it happened: packets released before it belong to complete frames.
      while (gap < out.gaps.length && out.gaps[gap].before === index) this.onLoss(out.gaps[gap++].count);
      const unwrapped = this.clock.unwrap(packet.header.timestamp);
      const level = this.meter ? readAudioLevel(packet, this.track.audioLevelExtensionId) : undefined;
      if (level) this.meter!.push(level, this.mediaMs(unwrapped));
      else if (this.meter?.isMuted && this.track.audioLevelExtensionId === undefined) this.meter.setMuted(false, this.mediaMs(unwrapped));
      for (const frame of this.assembler.push(packet)) {
        if (this.track.kind === "video") this.onVideoFrameArrived(this.mediaMs(unwrapped));
        if (this.gate && !this.gate.admit(frame, this.now())) continue;
        // Two frames with one timestamp (a frame split by a loss, a duplicate) would be a non-monotonic DTS.
        if (this.lastWrittenRtp !== undefined && unwrapped <= this.lastWrittenRtp) {
          this.nonIncreasing++;
          continue;
        }
        this.lastWrittenRtp = unwrapped;
        this.write(frame.data, frame.isKeyframe, this.mediaMs(unwrapped));
      }
    });
    while (gap < out.gaps.length) this.onLoss(out.gaps[gap++].count);
  }

  private onLoss(packets: number) {
    const nowMs = this.now();
    this.log.write({ type: "loss", atMs: nowMs, packets });
    this.assembler.onLoss();
    this.gate?.onLoss(nowMs);
  }

  private write(data: Buffer, isKeyframe: boolean, ms: number) {
    const size = isKeyframe && this.track.kind === "video" ? keyframeSize(this.track.codec, data) : undefined;
    if (!this.mkv) {
      this.mkv = new MkvWriter(this.files.media, { kind: this.track.kind, codec: this.track.codec, ...size });
      this.log.write({ type: "first-frame", atMs: this.now(), mediaMs: ms, isKeyframe, ...size });
    }
    if (size && (size.width !== this.size?.width || size.height !== this.size?.height)) {
      this.size = size;
      this.log.write({ type: "video-size", atMs: this.now(), mediaMs: Math.round(ms), ...size });
      this.emit({ type: "video-size", mediaMs: Math.round(ms), ...size });
    }
    this.mkv.writeFrame(data, isKeyframe, ms);
    this.lastFrameMs = Math.max(this.lastFrameMs, ms);
    this.framesWritten++;
  }

  private onVideoFrameArrived(mediaMs: number) {
    this.lastMediaArrivalAt = this.now();
    this.lastMediaMs = mediaMs;
    if (this.videoMuted) this.onMute(false, mediaMs);
  }

  /** Wall-clock mute: video without frames, or audio without packets (silence is detected by the meter). */
  private checkGone(opts: RawTrackWriterOptions) {
    if (this.lastMediaArrivalAt === 0 || this.closing) return;
    const idle = this.now() - this.lastMediaArrivalAt;
    if (this.track.kind === "video" && !this.videoMuted && idle > (opts.videoMuteAfterMs ?? 1500)) this.onMute(true, this.lastMediaMs);
    if (this.meter && !this.meter.isMuted && idle > (opts.audioGoneAfterMs ?? 1500)) this.meter.setMuted(true, this.lastFrameMs);
  }

  private onMute(muted: boolean, mediaMs: number) {
    if (this.track.kind === "video") this.videoMuted = muted;
    this.log.write({ type: muted ? "mute" : "unmute", atMs: this.now(), mediaMs: Math.round(mediaMs) });
    this.emit({ type: muted ? "mute" : "unmute", mediaMs: Math.round(mediaMs) });
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
