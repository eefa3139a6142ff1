/** The parts of werift's RtpPacket the pipeline reads; synthetic packets in tests satisfy it too. */
export interface RtpLike {
  header: { sequenceNumber: number; timestamp: number; marker: boolean; ssrc: number; payloadType: number };
  payload: Buffer;
}

/** The parts of werift's RtcpSrPacket the pipeline reads. */
export interface SenderReportLike {
  ssrc: number;
  senderInfo: { ntpTimestamp: bigint; rtpTimestamp: number; packetCount: number; octetCount: number };
}

export type MediaKind = "audio" | "video";
export type RecordedCodec = "opus" | "vp8" | "h264";

export interface TrackInfo {
  kind: MediaKind;
  codec: RecordedCodec;
  ssrc: number;
  clockRate: number;
  trackIndex: number;
  /** Sends a PLI for this track; only meaningful for video. */
  requestKeyframe: () => void;
}

export interface TrackSink {
  onRtp(packet: RtpLike): void;
  onSenderReport(sr: SenderReportLike): void;
  close(): Promise<void>;
}

export type TrackSinkFactory = (track: TrackInfo) => TrackSink;

export interface MediaFrame {
  data: Buffer;
  isKeyframe: boolean;
  /** Unwrapped RTP timestamp of the frame. */
  rtp: number;
}
