import { dePacketizeRtpPackets, type RtpPacket } from "werift";
import type { RecordedCodec, RtpLike } from "@/recorder/pipeline/types";

export interface AssembledFrame {
  data: Buffer;
  isKeyframe: boolean;
  rtpTimestamp: number;
}

const WERIFT_CODEC = { opus: "OPUS", vp8: "VP8", h264: "MPEG4/ISO/AVC" } as const;

/**
 * Groups in-order packets into frames (same timestamp, ended by the marker bit for video) and
 * depacketizes them with werift. A frame missing a packet is dropped whole, never written half.
 */
export class FrameAssembler {
  private pending: RtpLike[] = [];
  private broken = false;
  readonly stats = { frames: 0, droppedIncomplete: 0, errors: 0 };

  constructor(private readonly codec: RecordedCodec) {}

  push(packet: RtpLike): AssembledFrame[] {
    if (this.codec === "opus") return this.emit([packet]);
    const out: AssembledFrame[] = [];
    const current = this.pending[0];
    if (current && current.header.timestamp !== packet.header.timestamp) {
      // The previous frame never saw its marker packet. `broken` stays: after a loss we cannot tell
      // whether the lost packets were that frame's tail or this frame's head.
      this.stats.droppedIncomplete++;
      this.pending = [];
    }
    this.pending.push(packet);
    if (packet.header.marker) {
      if (!this.broken) out.push(...this.emit(this.pending));
      else this.stats.droppedIncomplete++;
      this.pending = [];
      this.broken = false;
    }
    return out;
  }

  /** Packets were lost before the next one: the frame being assembled cannot be completed. */
  onLoss(): void {
    if (this.codec !== "opus") this.broken = true;
  }

  private emit(packets: RtpLike[]): AssembledFrame[] {
    try {
      const r = dePacketizeRtpPackets(WERIFT_CODEC[this.codec], packets as unknown as RtpPacket[]);
      if (r.data.length === 0) return [];
      this.stats.frames++;
      return [{ data: r.data, isKeyframe: this.codec === "opus" ? true : r.isKeyframe, rtpTimestamp: packets[0].header.timestamp }];
    } catch {
      this.stats.errors++;
      return [];
    }
  }
}
