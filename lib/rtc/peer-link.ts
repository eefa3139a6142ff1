// One RTCPeerConnection of the mesh: perfect negotiation (W3C webrtc-pc §"Perfect negotiation example",
// MDN "Establishing a connection: the WebRTC perfect negotiation pattern"), ICE restarts and the remote media.
import type { SignalMessage } from "@/lib/rtc/signalling";

export type PeerConnectionState = "connecting" | "connected" | "reconnecting" | "failed";
export interface MediaState {
  screenStreamId: string | null;
  audioEnabled: boolean;
  videoEnabled: boolean;
}
type MediaKind = "audio" | "video";

export interface PeerLinkOptions {
  peerId: string;
  polite: boolean;
  iceServers: RTCIceServer[];
  send(message: SignalMessage): void;
  onChange(): void;
  onConnected(): void;
  /** The remote side started a new connection (e.g. it reloaded): replace this link and give it `message`. */
  onRemoteRestart(message: SignalMessage): void;
  /** Negotiated but still not connected after an ICE restart: replace this link with a fresh connection. */
  onStuck(): void;
}

/** Chrome reports "disconnected" for short network hiccups that heal by themselves; restart only if it lasts. */
const DISCONNECTED_GRACE_MS = 3000;
/** An offer sent before the peer subscribed to signalling is lost; without a resend both sides would wait forever. */
const OFFER_RESEND_MS = [2000, 4000, 8000];
/**
 * Both ends open their link on the same roster push and would offer at once. Chrome 156 then sometimes never
 * gathers a candidate on the polite end after it rolls its offer back (seen in about 1 of 5 three-way meshes),
 * so the polite end holds its first offer until the impolite end's offer arrives, or this long.
 */
const FIRST_OFFER_HOLD_MS = 1500;
/** The polite end restarts ICE a bit later than the impolite one, so that usually only one restart offer is made. */
const POLITE_RESTART_DELAY_MS = 1000;
/** Descriptions exchanged but no connection after this long: restart ICE, and next time rebuild the connection. */
const STUCK_MS = 8000;

const newSessionId = () => Math.random().toString(36).slice(2, 12) + Date.now().toString(36);

export class PeerLink {
  readonly pc: RTCPeerConnection;
  readonly session = newSessionId();
  state: PeerConnectionState = "connecting";
  remoteMedia: MediaState = { screenStreamId: null, audioEnabled: true, videoEnabled: true };

  private readonly streams = new Map<string, MediaStream>();
  private readonly screenIds = new Set<string>();
  private readonly senders: Record<MediaKind, RTCRtpTransceiver>;
  private screen: RTCRtpTransceiver | null = null;
  private makingOffer = false;
  private ignoreOffer = false;
  private isSettingRemoteAnswerPending = false;
  private remoteSession: string | undefined;
  private remoteDescribed = false;
  private everConnected = false;
  private closed = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private inbox: Promise<void> = Promise.resolve();
  private holdingFirstOffer: boolean;
  private rescued = false;
  private readonly timers: Partial<Record<"ice" | "offer" | "hold" | "watchdog", ReturnType<typeof setTimeout>>> = {};
  private offerResends = 0;

  constructor(
    private readonly opts: PeerLinkOptions,
    local: { stream: MediaStream; screen: MediaStream | null },
  ) {
    const pc = (this.pc = new RTCPeerConnection({ iceServers: opts.iceServers }));
    // Audio and camera transceivers exist even without a device, so a later device (or a first one after a
    // denied prompt) is a replaceTrack without renegotiation, and both sides always have something to offer.
    const add = (kind: MediaKind) => {
      const track = kind === "audio" ? local.stream.getAudioTracks()[0] : local.stream.getVideoTracks()[0];
      return pc.addTransceiver(track ?? kind, { direction: "sendonly", streams: [local.stream] });
    };
    this.senders = { audio: add("audio"), video: add("video") };
    if (local.screen) this.setScreen(local.screen);

    this.holdingFirstOffer = opts.polite;
    if (opts.polite) this.timers.hold = setTimeout(() => this.releaseFirstOffer(), FIRST_OFFER_HOLD_MS);
    this.armWatchdog();

    pc.onnegotiationneeded = () => {
      if (!this.holdingFirstOffer) void this.negotiate();
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send({ type: "candidate", candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, streams }) => {
      for (const stream of streams) {
        if (this.streams.has(stream.id)) continue;
        this.streams.set(stream.id, stream);
        stream.addEventListener("removetrack", () => this.prune());
      }
      track.addEventListener("ended", () => this.prune());
      this.opts.onChange();
    };
    pc.onsignalingstatechange = () => {
      if (pc.signalingState !== "have-local-offer") this.clearOfferResend();
    };
    pc.oniceconnectionstatechange = () => {
      clearTimeout(this.timers.ice);
      const ice = pc.iceConnectionState;
      if (ice === "failed" || ice === "disconnected") {
        const delay = (ice === "disconnected" ? DISCONNECTED_GRACE_MS : 0) + (opts.polite ? POLITE_RESTART_DELAY_MS : 0);
        this.timers.ice = setTimeout(() => {
          if (!this.closed && pc.iceConnectionState === ice) pc.restartIce();
        }, delay);
      }
      this.updateState();
    };
    pc.onconnectionstatechange = () => this.updateState();
  }

  get cameraStream(): MediaStream | null {
    const candidates = [...this.streams.values()].filter((s) => !this.screenIds.has(s.id));
    // The camera stream always carries the audio transceiver; a screen share never does.
    return candidates.find((s) => s.getAudioTracks().length > 0) ?? candidates[0] ?? null;
  }

  get screenStream(): MediaStream | null {
    const id = this.remoteMedia.screenStreamId;
    const stream = id ? this.streams.get(id) : undefined;
    return stream?.getVideoTracks().some((t) => t.readyState === "live") ? stream : null;
  }

  receive(message: SignalMessage): void {
    // One message at a time, in arrival order: a candidate must not overtake the description it belongs to.
    this.inbox = this.inbox.then(() => this.handle(message)).catch((err) => console.warn(`rtc ${this.opts.peerId}:`, err));
  }

  sendMedia(media: MediaState): void {
    this.send({ type: "media", ...media });
  }

  replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    return this.senders[kind].sender.replaceTrack(track);
  }

  /** The screen gets its own transceiver and stream (not the camera's), so receivers and the recorder see two tracks. */
  setScreen(stream: MediaStream | null): void {
    if (this.closed) return;
    if (this.screen) this.screen.stop();
    this.screen = null;
    const track = stream?.getVideoTracks()[0];
    if (stream && track) this.screen = this.pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
  }

  restartIce(): void {
    if (!this.closed) this.pc.restartIce();
  }

  close(): void {
    this.closed = true;
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    this.pc.close();
  }

  private send(message: SignalMessage): void {
    if (!this.closed) this.opts.send({ ...message, session: this.session });
  }

  private async negotiate(): Promise<void> {
    if (this.closed || this.makingOffer || this.pc.signalingState !== "stable") return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendDescription();
      if ((this.pc.signalingState as RTCSignalingState) === "have-local-offer") this.scheduleOfferResend();
    } catch (err) {
      if (!this.closed) console.warn(`rtc ${this.opts.peerId}: negotiation failed`, err);
    } finally {
      this.makingOffer = false;
    }
  }

  private async handle(message: SignalMessage): Promise<void> {
    if (this.closed) return;
    if (message.session && this.remoteSession !== undefined && message.session !== this.remoteSession) {
      if (message.type === "description" && message.description.type === "offer") this.opts.onRemoteRestart(message);
      return; // anything else from another session is a straggler of a connection that no longer exists
    }
    if (message.type === "media") {
      this.remoteMedia = { screenStreamId: message.screenStreamId, audioEnabled: message.audioEnabled, videoEnabled: message.videoEnabled };
      if (message.screenStreamId) this.screenIds.add(message.screenStreamId);
      this.opts.onChange();
      return;
    }
    if (message.type === "candidate") {
      if (!message.candidate) return; // end-of-candidates is optional and older browsers reject it
      if (!this.pc.remoteDescription) return void this.pendingCandidates.push(message.candidate);
      await this.addCandidate(message.candidate);
      return;
    }
    const description = message.description;
    const readyForOffer = !this.makingOffer && (this.pc.signalingState === "stable" || this.isSettingRemoteAnswerPending);
    const offerCollision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.opts.polite && offerCollision;
    if (this.ignoreOffer) return;
    this.isSettingRemoteAnswerPending = description.type === "answer";
    try {
      await this.pc.setRemoteDescription(description); // a polite peer's colliding offer is rolled back implicitly
    } catch (err) {
      // Without session ids (a relay that drops them), an offer that no longer fits this connection means the
      // peer started over; a fresh connection can take it. Only once per link, so this cannot loop.
      if (description.type === "offer" && !message.session && this.remoteDescribed) return this.opts.onRemoteRestart(message);
      throw err;
    } finally {
      this.isSettingRemoteAnswerPending = false;
    }
    this.remoteDescribed = true;
    // Learnt from a description only: a straggler candidate of the peer's previous connection must not define it.
    this.remoteSession ??= message.session;
    for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);
    if (description.type === "offer") {
      await this.pc.setLocalDescription();
      this.sendDescription();
    }
    this.releaseFirstOffer();
  }

  private releaseFirstOffer(): void {
    if (!this.holdingFirstOffer) return;
    this.holdingFirstOffer = false;
    clearTimeout(this.timers.hold);
    // The negotiationneeded event we skipped may not fire again: offer our own transceivers if still unnegotiated.
    const unnegotiated = [this.senders.audio, this.senders.video, this.screen].some(
      (t) => t && t.direction !== "stopped" && t.mid === null,
    );
    if (unnegotiated) setTimeout(() => void this.negotiate(), 0);
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      // Candidates of an offer we ignored, or of an ICE generation already replaced, are expected to fail.
      if (!this.ignoreOffer && !this.closed) console.debug(`rtc ${this.opts.peerId}: candidate rejected`, err);
    }
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (description) this.send({ type: "description", description: description.toJSON() });
  }

  private scheduleOfferResend(): void {
    clearTimeout(this.timers.offer);
    const delay = OFFER_RESEND_MS[Math.min(this.offerResends, OFFER_RESEND_MS.length - 1)];
    this.timers.offer = setTimeout(() => {
      if (this.closed || this.pc.signalingState !== "have-local-offer") return;
      this.offerResends += 1;
      this.sendDescription(); // the local description now also carries every gathered candidate
      this.scheduleOfferResend();
    }, delay);
  }

  private clearOfferResend(): void {
    clearTimeout(this.timers.offer);
    this.offerResends = 0;
  }

  private prune(): void {
    for (const [id, stream] of this.streams) {
      if (stream.getTracks().every((t) => t.readyState === "ended")) this.streams.delete(id);
    }
    this.opts.onChange();
  }

  private updateState(): void {
    if (this.closed) return;
    const cs = this.pc.connectionState;
    const next: PeerConnectionState =
      cs === "connected" ? "connected" : cs === "failed" || cs === "closed" ? "failed" : this.everConnected ? "reconnecting" : "connecting";
    if (next === this.state) return;
    this.state = next;
    if (next === "connected") this.everConnected = true;
    this.armWatchdog();
    this.opts.onChange();
    // The peer's signalling subscription surely exists now, so this `media` cannot be lost like an early one.
    if (next === "connected") this.opts.onConnected();
  }

  private armWatchdog(): void {
    clearTimeout(this.timers.watchdog);
    if (this.state === "connected") return void (this.rescued = false);
    this.timers.watchdog = setTimeout(
      () => {
        if (this.closed || this.state === "connected") return;
        // Nothing negotiated yet means the peer is not there yet (the offer resend covers it), not a broken link.
        if (!this.remoteDescribed) return this.armWatchdog();
        if (this.rescued) return this.opts.onStuck();
        this.rescued = true;
        this.pc.restartIce();
        this.armWatchdog();
      },
      STUCK_MS + (this.opts.polite ? POLITE_RESTART_DELAY_MS : 0),
    );
  }
}
