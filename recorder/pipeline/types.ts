import type { MediaKind, RecordedCodec, TrackEndLine, TrackLineBody, TrackSyncLine } from "@/lib/recording-manifest/schema";

/** The parts of werift's RtpPacket the pipeline reads; synthetic packets in tests satisfy it too. */
export interface RtpLike {
  header: {
    sequenceNumber: number;
    timestamp: number;
    marker: boolean;
    ssrc: number;
    payloadType: number;
    /** RFC 8285 header extensions as werift parses them (id + raw payload). */
    extensions?: { id: number; payload: Buffer }[];
  };
  payload: Buffer;
}

/** The parts of werift's RtcpSrPacket the pipeline reads. */
export interface SenderReportLike {
  ssrc: number;
  senderInfo: { ntpTimestamp: bigint; rtpTimestamp: number; packetCount: number; octetCount: number };
}

export type { MediaKind, RecordedCodec };

export interface TrackInfo {
  kind: MediaKind;
  codec: RecordedCodec;
  ssrc: number;
  clockRate: number;
  trackIndex: number;
  /** Sends a PLI for this track; only meaningful for video. */
  requestKeyframe: () => void;
  /** Negotiated id of the `ssrc-audio-level` header extension (audio tracks). */
  audioLevelExtensionId?: number;
  /** Retransmission counters kept by the transport (werift's NACK generator), read at the track's end. */
  receiveStats?: () => ReceiveStats;
}

export interface ReceiveStats {
  /** RTCP NACK packets sent for this track. */
  nacksSent: number;
  /** Packets that arrived after having been NACKed (retransmitted, or late). */
  packetsRecovered: number;
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

/**
 * What a track reports as it goes: the per-track manifest lines (lib/recording-manifest/schema.ts) without what the
 * session fills in (session, track id, file, wall-clock time); `track-end` also carries the stats for session.json.
 */
export type TrackEvent =
  | Exclude<TrackLineBody, { type: "track-end" | "track-sync" }>
  | Required<TrackLineBody<TrackSyncLine>>
  | (TrackLineBody<TrackEndLine> & { stats: TrackEndStats });

export interface TrackEndStats extends Partial<ReceiveStats> {
  framesWritten: number;
  packetsLost: number;
  packetsLate: number;
  /** Frames dropped because their timestamp did not advance (would be a non-monotonic DTS). */
  nonIncreasing: number;
}
