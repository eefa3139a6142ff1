import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAudioLevelIndication,
  useSdesMid,
  type MediaStreamTrack,
  type RtcpPacket,
  type RTCRtpTransceiver,
  type RtcpSrPacket,
  type RtpPacket,
} from "werift";
import type { SdpFragment } from "@/recorder/whip/sdp-checks";
import { WhipHttpError, type SessionRequest, type WhipSession } from "@/recorder/whip/whip-handler";
import type { ChosenCodec } from "@/recorder/ingest/offer-filter";
import { addBitrateHints, filterOffer } from "@/recorder/ingest/offer-filter";
import { AUDIO_LEVEL_URI } from "@/recorder/pipeline/audio-level";
import type { ReceiveStats, TrackInfo, TrackSink } from "@/recorder/pipeline/types";
import { impairIncoming, type ImpairmentCounters, type ReceiveImpairment } from "@/recorder/ingest/impairment";
import { answerIceFragment, restartOffer } from "@/recorder/ingest/ice-restart";
import { remoteCandidateKey } from "@/recorder/ingest/candidates";
import { answerAsDtlsServer, replayEarlyDtls } from "@/recorder/ingest/dtls-start";
import { withoutDefaultStun } from "@/recorder/ingest/no-default-stun";

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
  /** Tests and the bench only: loss and reordering applied before werift's SRTP and NACK handling. */
  impairment?: ReceiveImpairment;
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
      // Accepted for whichever codec the offer's `apt=` names (werift checks that codec is accepted too).
      new RTCRtpCodecParameters({ mimeType: "video/rtx", clockRate: 90_000 }),
    ],
  };
}

/** One publisher's peer connection: receives audio+video, hands every packet to per-track sinks. */
export class PublisherSession implements WhipSession {
  answerSdp = "";
  private readonly pc: RTCPeerConnection;
  private readonly sinks = new Map<number, TrackSink>();
  private readonly attached = new Set<RTCRtpTransceiver>();
  private readonly attachedTracks = new WeakSet<MediaStreamTrack>();
  private readonly closedListeners: ((reason: string) => void)[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private lastPacketAt = Date.now();
  private trackCount = 0;
  private closing?: Promise<void>;
  private chosen = new Map<number, ChosenCodec[]>();
  private audioLevelExtensionId?: number;
  private rtxPayloadTypes: number[] = [];
  private remoteOfferSdp = "";
  private readonly remoteCandidateKeys = new Set<string>();
  /** Set when an impairment is configured (tests/bench). */
  impairmentCounters?: ImpairmentCounters;

  constructor(
    private readonly request: SessionRequest,
    private readonly opts: PublisherSessionOptions,
  ) {
    const extra = [...(opts.iceAdditionalHostAddresses ?? []), ...(opts.loopback ? ["127.0.0.1"] : [])];
    this.pc = new RTCPeerConnection({
      iceServers: [],
      icePortRange: opts.icePortRange,
      iceAdditionalHostAddresses: extra.length ? extra : undefined,
      iceUseIpv6: opts.iceUseIpv6 ?? true,
      codecs: localCodecs(),
      // No transport-wide-cc (TWCC collapsed Chromium's bitrate), no abs-send-time; audio levels for the manifest.
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid()] },
    });
    this.pc.iceConnectionStateChange.subscribe((state) => {
      this.log("ice-state", { state });
      if (state === "failed") void this.close("ice-failed");
    });
    this.pc.connectionStateChange.subscribe((state) => {
      this.log("connection-state", { state });
      if (state === "failed") void this.close("connection-failed");
    });
    this.pc.onTrack.subscribe((track) => this.attach(track));
    const timeout = opts.inactivityTimeoutMs ?? 10_000;
    this.watchdog = setInterval(
      () => {
        if (Date.now() - this.lastPacketAt > timeout) void this.close("inactive");
      },
      Math.min(1000, timeout / 2),
    );
    this.watchdog.unref();
  }

  async negotiate(offerSdp: string): Promise<void> {
    const filtered = filterOffer(offerSdp);
    this.chosen = filtered.chosen;
    this.rtxPayloadTypes = [...filtered.rtx.values()].flat();
    const mKinds = [...offerSdp.matchAll(/^m=(\w+) /gm)].map((m) => m[1]);
    mKinds.forEach((kind, i) => {
      if ((kind === "audio" || kind === "video") && !filtered.chosen.get(i)?.length) {
        throw new WhipHttpError(
          422,
          "unsupported-codec",
          `no supported ${kind} codec offered (need ${kind === "audio" ? "Opus" : "VP8 or H.264"})`,
        );
      }
    });
    const t0 = Date.now();
    await this.pc.setRemoteDescription({ type: "offer", sdp: filtered.sdp });
    withoutDefaultStun(this.pc);
    replayEarlyDtls(this.pc);
    const t1 = Date.now();
    const answer = await this.pc.createAnswer();
    const t2 = Date.now();
    await this.pc.setLocalDescription(answer); // gathers: binds the ICE ports
    this.log("negotiated", { setRemoteMs: t1 - t0, createAnswerMs: t2 - t1, setLocalMs: Date.now() - t2 });
    this.remoteOfferSdp = filtered.sdp;
    this.rememberOfferCandidates(filtered.sdp);
    const sdp = answerAsDtlsServer(this.pc, this.pc.localDescription?.sdp ?? "");
    const ext = new RegExp(`^a=extmap:(\\d+)(?:/\\w+)? ${AUDIO_LEVEL_URI}\\s*$`, "m").exec(sdp);
    this.audioLevelExtensionId = ext ? Number(ext[1]) : undefined;
    if (this.opts.impairment) this.impairmentCounters = this.impair(this.opts.impairment);
    const videoPts = [...filtered.chosen.values()]
      .flat()
      .filter((c) => c.codec !== "opus")
      .map((c) => c.payloadType);
    this.answerSdp =
      this.opts.bitrateHints === false
        ? sdp
        : addBitrateHints(sdp, videoPts, this.opts.bitrateHints ?? { startKbps: 2500, minKbps: 300, maxKbps: 4000 });
  }

  async addRemoteCandidates(frag: SdpFragment): Promise<void> {
    for (const c of frag.candidates) {
      // Skipped: what can never pair (TCP: werift gathers UDP only) and what werift already has (a client
      // repeating its offer's candidates). werift pairs every added candidate and reports ICE connected
      // only once it has checked all pairs, so each useless one delayed the start by about 20-60 ms.
      const key = remoteCandidateKey(c.candidate);
      if (!key || this.remoteCandidateKeys.has(key)) continue;
      this.remoteCandidateKeys.add(key);
      // With BUNDLE every m-line shares one transport; the mid is the reliable key (a fragment's own
      // m-line count says nothing about the offer's m-line index).
      const where = c.mid !== undefined ? { sdpMid: c.mid } : { sdpMLineIndex: 0 };
      // One candidate werift cannot use (TCP, an unreachable family) must not fail the others.
      await this.pc
        .addIceCandidate({ candidate: c.candidate, ...where })
        .catch((err: Error) => this.log("candidate-refused", { candidate: c.candidate, error: err.message }));
    }
    if (frag.endOfCandidates) await this.pc.addIceCandidate({ candidate: "", sdpMLineIndex: 0 }).catch(() => undefined);
  }

  /**
   * ICE restart (RFC 9725 §4.4.1): the client's new ufrag/pwd are applied as a new remote offer
   * (werift restarts its ICE agent when the remote credentials change) and our new credentials
   * and candidates are answered as an sdpfrag. DTLS and SRTP continue over the new pair.
   */
  async restartIce(frag: SdpFragment): Promise<string> {
    if (!frag.iceUfrag || !frag.icePwd) throw new WhipHttpError(400, "malformed-sdpfrag", "an ICE restart needs a=ice-ufrag and a=ice-pwd");
    if (this.closing) throw new WhipHttpError(404, "session-closed", "the session has ended");
    this.log("ice-restart", { ufrag: frag.iceUfrag });
    this.remoteOfferSdp = restartOffer(this.remoteOfferSdp, frag.iceUfrag, frag.icePwd);
    this.rememberOfferCandidates(this.remoteOfferSdp); // werift forgets remote candidates on a restart
    await this.pc.setRemoteDescription({ type: "offer", sdp: this.remoteOfferSdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.addRemoteCandidates({ ...frag, iceUfrag: undefined, icePwd: undefined });
    return answerIceFragment(this.pc.localDescription?.sdp ?? "");
  }

  private rememberOfferCandidates(sdp: string) {
    this.remoteCandidateKeys.clear();
    for (const line of sdp.split(/\r?\n/)) {
      const key = line.startsWith("a=candidate:") ? remoteCandidateKey(line) : undefined;
      if (key) this.remoteCandidateKeys.add(key);
    }
  }

  onClosed(listener: (reason: string) => void): void {
    this.closedListeners.push(listener);
  }

  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchdog);
      this.log("close", { reason });
      if (this.impairmentCounters) this.log("impairment", { ...this.impairmentCounters, rtxPayloadTypes: [...this.rtxPayloadTypes] });
      // Sinks first, so their files are finished even if werift's close throws.
      await Promise.allSettled([...this.sinks.values()].map((s) => s.close()));
      await this.pc.close().catch(() => undefined);
      for (const l of this.closedListeners) l(reason);
    })();
    return this.closing;
  }

  private attach(track: MediaStreamTrack) {
    const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track) || t.receiver.track === track);
    // A renegotiation (ICE restart) may announce the same track again: one RTP subscription per track.
    if (!transceiver || this.attachedTracks.has(track)) return;
    this.attachedTracks.add(track);
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
      const info: TrackInfo = {
        kind,
        codec: codec.codec,
        ssrc,
        clockRate: codec.clockRate,
        trackIndex: this.trackCount++,
        requestKeyframe,
        audioLevelExtensionId: kind === "audio" ? this.audioLevelExtensionId : undefined,
        receiveStats: kind === "video" ? this.countRetransmissions(transceiver, ssrc) : undefined,
      };
      sink = this.opts.createTrackSink(info, this.request);
      this.sinks.set(ssrc, sink);
      this.log("track-start", { kind, codec: codec.codec, ssrc, payloadType: codec.payloadType });
      // No automatic PLI in werift: ask for a keyframe now rather than waiting for the periodic one.
      if (kind === "video") requestKeyframe();
    }
    sink.onRtp(packet);
  }

  /**
   * werift's NACK generator (video only) counts NACK packets per SSRC; a packet it had marked lost
   * that then arrives was recovered (retransmitted, or merely late).
   */
  private countRetransmissions(transceiver: RTCRtpTransceiver, ssrc: number): () => ReceiveStats {
    const receiver = transceiver.receiver as unknown as {
      nackCountBySsrc: Record<number, number>;
      nack: { addPacket(p: RtpPacket): void; getLost(seq: number): number | undefined };
    };
    let recovered = 0;
    const nack = receiver.nack;
    const addPacket = nack.addPacket.bind(nack);
    nack.addPacket = (p: RtpPacket) => {
      if (p.header.ssrc === ssrc && nack.getLost(p.header.sequenceNumber)) recovered++;
      addPacket(p);
    };
    return () => ({ nacksSent: receiver.nackCountBySsrc[ssrc] ?? 0, packetsRecovered: recovered });
  }

  private impair(impairment: ReceiveImpairment): ImpairmentCounters | undefined {
    const connection = (this.pc.iceTransports[0] as unknown as { connection?: { onData?: { execute: (...a: unknown[]) => void } } })
      ?.connection;
    if (!connection?.onData) {
      this.log("impairment-unavailable", {});
      return undefined;
    }
    return impairIncoming(connection.onData, impairment);
  }

  private log(event: string, data: Record<string, unknown>) {
    this.opts.log?.(event, { sessionId: this.request.sessionId, recordingId: this.request.recordingId, ...data });
  }
}
