import { RTCPeerConnection, RTCRtpCodecParameters, useSdesMid, type MediaStreamTrack, type RtcpPacket, type RTCRtpTransceiver, type RtcpSrPacket, type RtpPacket } from "werift";
import type { SdpFragment } from "../whip/sdp-checks";
import { WhipHttpError, type SessionRequest, type WhipSession } from "../whip/whip-handler";
import type { ChosenCodec } from "./offer-filter";
import { addBitrateHints, filterOffer } from "./offer-filter";
import type { TrackInfo, TrackSink } from "../pipeline/types";

export interface PublisherSessionOptions {
  /** UDP ports werift may use; explicit because its default picking races between concurrent sessions. */
  icePortRange: [number, number];
  /** Answering gives up after this long (werift's gathering has no timeout of its own). */
  negotiationTimeoutMs?: number;
  /** Also gather 127.0.0.1 (needed when publisher and recorder share a loopback-only host). */
  loopback?: boolean;
  iceAdditionalHostAddresses?: string[];
  iceUseIpv6?: boolean;
  /** Close after this long without any RTP (a publisher that vanished without DELETE). */
  inactivityTimeoutMs?: number;
  bitrateHints?: { startKbps: number; minKbps: number; maxKbps?: number } | false;
  createTrackSink: (track: TrackInfo, session: SessionRequest) => TrackSink;
  log?: (event: string, data: Record<string, unknown>) => void;
}

const RTCP_SR = 200;

function localCodecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  // werift matches these by MIME type only and answers with the offer's own entries (see offer-filter.ts).
  const fb = [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "ccm", parameter: "fir" }];
  return {
    audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2 })],
    video: [
      new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, rtcpFeedback: fb }),
      new RTCRtpCodecParameters({ mimeType: "video/H264", clockRate: 90_000, rtcpFeedback: fb }),
    ],
  };
}

/** One publisher's peer connection: receives audio+video, hands every packet to per-track sinks. */
export class PublisherSession implements WhipSession {
  answerSdp = "";
  private readonly pc: RTCPeerConnection;
  private readonly sinks = new Map<number, TrackSink>();
  private readonly attached = new Set<RTCRtpTransceiver>();
  private readonly closedListeners: ((reason: string) => void)[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private lastPacketAt = Date.now();
  private trackCount = 0;
  private closing?: Promise<void>;
  private chosen = new Map<number, ChosenCodec[]>();

  constructor(private readonly request: SessionRequest, private readonly opts: PublisherSessionOptions) {
    const extra = [...(opts.iceAdditionalHostAddresses ?? []), ...(opts.loopback ? ["127.0.0.1"] : [])];
    this.pc = new RTCPeerConnection({
      iceServers: [],
      icePortRange: opts.icePortRange,
      iceAdditionalHostAddresses: extra.length ? extra : undefined,
      iceUseIpv6: opts.iceUseIpv6 ?? true,
      codecs: localCodecs(),
      // mid only: no transport-wide-cc (TWCC collapsed Chromium's bitrate), no abs-send-time.
      headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    });
    this.pc.iceConnectionStateChange.subscribe((state) => {
      this.log("ice-state", { state });
      if (state === "failed") void this.close("ice-failed");
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === "failed") void this.close("connection-failed");
    });
    this.pc.onTrack.subscribe((track) => this.attach(track));
    const timeout = opts.inactivityTimeoutMs ?? 10_000;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastPacketAt > timeout) void this.close("inactive");
    }, Math.min(1000, timeout / 2));
    this.watchdog.unref();
  }

  async negotiate(offerSdp: string): Promise<void> {
    const filtered = filterOffer(offerSdp);
    this.chosen = filtered.chosen;
    const mKinds = [...offerSdp.matchAll(/^m=(\w+) /gm)].map((m) => m[1]);
    mKinds.forEach((kind, i) => {
      if ((kind === "audio" || kind === "video") && !filtered.chosen.get(i)?.length) {
        throw new WhipHttpError(422, "unsupported-codec", `no supported ${kind} codec offered (need ${kind === "audio" ? "Opus" : "VP8 or H.264"})`);
      }
    });
    await this.pc.setRemoteDescription({ type: "offer", sdp: filtered.sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const sdp = this.pc.localDescription?.sdp ?? "";
    const videoPts = [...filtered.chosen.values()].flat().filter((c) => c.codec !== "opus").map((c) => c.payloadType);
    this.answerSdp = this.opts.bitrateHints === false ? sdp : addBitrateHints(sdp, videoPts, this.opts.bitrateHints ?? { startKbps: 1000, minKbps: 300, maxKbps: 2500 });
  }

  async addRemoteCandidates(frag: SdpFragment): Promise<void> {
    for (const c of frag.candidates) {
      // With BUNDLE every m-line shares one transport; the mid is the reliable key (a fragment's own
      // m-line count says nothing about the offer's m-line index).
      const where = c.mid !== undefined ? { sdpMid: c.mid } : { sdpMLineIndex: 0 };
      // One candidate werift cannot use (TCP, an unreachable family) must not fail the others.
      await this.pc.addIceCandidate({ candidate: c.candidate, ...where }).catch((err: Error) =>
        this.log("candidate-refused", { candidate: c.candidate, error: err.message }),
      );
    }
    if (frag.endOfCandidates) await this.pc.addIceCandidate({ candidate: "", sdpMLineIndex: 0 }).catch(() => undefined);
  }

  onClosed(listener: (reason: string) => void): void {
    this.closedListeners.push(listener);
  }

  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchdog);
      this.log("close", { reason });
      // Sinks first, so their files are finished even if werift's close throws.
      await Promise.allSettled([...this.sinks.values()].map((s) => s.close()));
      await this.pc.close().catch(() => undefined);
      for (const l of this.closedListeners) l(reason);
    })();
    return this.closing;
  }

  private attach(track: MediaStreamTrack) {
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track) || t.receiver.track === track);
    if (!transceiver) return;
    track.onReceiveRtp.subscribe((packet) => this.onRtp(packet, transceiver));
    // onTrack can fire more than once per transceiver; one RTCP subscription each, or SRs arrive twice.
    if (this.attached.has(transceiver)) return;
    this.attached.add(transceiver);
    transceiver.receiver.onRtcp.subscribe((packet: RtcpPacket) => {
      if (packet.type !== RTCP_SR) return;
      const sr = packet as RtcpSrPacket;
      this.sinks.get(sr.ssrc)?.onSenderReport(sr);
    });
  }

  private onRtp(packet: RtpPacket, transceiver: RTCRtpTransceiver) {
    if (this.closing) return;
    this.lastPacketAt = Date.now();
    const ssrc = packet.header.ssrc;
    let sink = this.sinks.get(ssrc);
    if (!sink) {
      const codec = [...this.chosen.values()].flat().find((c) => c.payloadType === packet.header.payloadType);
      if (!codec) return;
      const kind = codec.codec === "opus" ? "audio" : "video";
      const requestKeyframe = () => {
        transceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
      };
      const info: TrackInfo = { kind, codec: codec.codec, ssrc, clockRate: codec.clockRate, trackIndex: this.trackCount++, requestKeyframe };
      sink = this.opts.createTrackSink(info, this.request);
      this.sinks.set(ssrc, sink);
      this.log("track-start", { kind, codec: codec.codec, ssrc, payloadType: codec.payloadType });
      // No automatic PLI in werift: ask for a keyframe now rather than waiting for the periodic one.
      if (kind === "video") requestKeyframe();
    }
    sink.onRtp(packet);
  }

  private log(event: string, data: Record<string, unknown>) {
    this.opts.log?.(event, { sessionId: this.request.sessionId, recordingId: this.request.recordingId, ...data });
  }
}

/**
 * SessionFactory for the WHIP handler. Sessions are created one at a time: werift picks a port by
 * probing, closing and binding, which races when peer connections are created concurrently.
 */
export function publisherSessionFactory(opts: PublisherSessionOptions): (request: SessionRequest) => Promise<PublisherSession> {
  let queue: Promise<unknown> = Promise.resolve();
  return (request) => {
    const run = async () => {
      const session = new PublisherSession(request, opts);
      let timer: NodeJS.Timeout | undefined;
      try {
        const limit = opts.negotiationTimeoutMs ?? 10_000;
        await Promise.race([
          session.negotiate(request.offerSdp),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new WhipHttpError(503, "negotiation-timeout", `no answer within ${limit} ms`)), limit);
          }),
        ]);
      } catch (err) {
        await session.close("negotiation-failed");
        throw err instanceof WhipHttpError ? err : new WhipHttpError(422, "negotiation-failed", `could not answer the offer: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      return session;
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };
}
