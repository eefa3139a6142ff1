// A full-mesh call: one RTCPeerConnection per remote participant, signalled through any SignallingChannel.
// Framework-free on purpose: React binds to it through subscribe/getSnapshot (useSyncExternalStore).
import { PeerLink, type MediaState, type PeerConnectionState } from "@/lib/rtc/peer-link";
import type { CallPeerInfo, SignallingChannel, SignalMessage } from "@/lib/rtc/signalling";

export type { PeerConnectionState } from "@/lib/rtc/peer-link";

export interface MeshCallOptions {
  selfId: string;
  signalling: SignallingChannel;
  iceServers: RTCIceServer[];
  /** From getUserMedia, owned by the caller (who stops its tracks); may have no tracks. Device switches swap tracks in it. */
  localStream: MediaStream;
  /** Replaces navigator.mediaDevices.getDisplayMedia, e.g. with a canvas capture in tests. */
  getDisplayMedia?: () => Promise<MediaStream>;
}

export interface LocalSnapshot {
  readonly stream: MediaStream;
  readonly screenStream: MediaStream | null;
  readonly audioEnabled: boolean;
  readonly videoEnabled: boolean;
}

export interface PeerSnapshot {
  readonly userId: string;
  readonly name: string;
  readonly state: PeerConnectionState;
  readonly cameraStream: MediaStream | null;
  readonly screenStream: MediaStream | null;
  readonly audioEnabled: boolean;
  readonly videoEnabled: boolean;
}

export interface CallSnapshot {
  readonly local: LocalSnapshot;
  readonly peers: readonly PeerSnapshot[];
}

type Kind = "audio" | "video";
interface Stray {
  from: string;
  message: SignalMessage;
  at: number;
}

/** Messages from someone not (yet) in the roster are kept briefly: the server's roster push may arrive after them. */
const STRAY_LIMIT = 500;
const STRAY_MAX_AGE_MS = 20_000;

export class MeshCall {
  private readonly links = new Map<string, PeerLink>();
  private readonly listeners = new Set<(snapshot: CallSnapshot) => void>();
  private roster: CallPeerInfo[] = [];
  private strays: Stray[] = [];
  private screenStream: MediaStream | null = null;
  private wanted: Record<Kind, boolean> = { audio: true, video: true };
  private snapshot: CallSnapshot;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly onOnline = () => this.restartIce();

  constructor(private readonly options: MeshCallOptions) {
    this.unsubscribe = options.signalling.onMessage((from, message) => this.receive(from, message));
    if (typeof window !== "undefined") window.addEventListener("online", this.onOnline);
    for (const track of options.localStream.getTracks()) this.watchLocalTrack(track);
    this.snapshot = this.buildSnapshot();
  }

  /** The roster from the server; the local user may be in it (ignored). */
  setPeers(peers: CallPeerInfo[]): void {
    if (this.closed) return;
    const next = new Map<string, CallPeerInfo>();
    for (const peer of peers) if (peer.userId !== this.options.selfId) next.set(peer.userId, peer);
    for (const [userId, link] of this.links) {
      if (next.has(userId)) continue;
      link.close();
      this.links.delete(userId);
    }
    this.roster = [...next.values()];
    for (const peer of this.roster) if (!this.links.has(peer.userId)) this.openLink(peer.userId);
    this.emit();
  }

  async setAudioEnabled(enabled: boolean): Promise<void> {
    await this.setEnabled("audio", enabled);
  }

  async setVideoEnabled(enabled: boolean): Promise<void> {
    await this.setEnabled("video", enabled);
  }

  /** Must be called from a user gesture (click): browsers refuse screen capture otherwise. */
  async startScreenShare(): Promise<void> {
    if (this.closed || this.screenStream) return;
    const capture = this.options.getDisplayMedia ?? (() => navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }));
    const stream = await capture();
    const track = stream.getVideoTracks()[0];
    if (this.closed || this.screenStream || !track) {
      for (const t of stream.getTracks()) t.stop();
      if (!track) throw new Error("The screen capture has no video");
      return;
    }
    track.contentHint = "detail"; // keep text legible: prefer resolution over frame rate under congestion
    // The browser's own "Stop sharing" bar ends the track without going through our controls.
    track.addEventListener("ended", () => {
      if (this.screenStream === stream) this.stopScreenShare();
    });
    this.screenStream = stream;
    for (const link of this.links.values()) link.setScreen(stream);
    this.mediaChanged();
  }

  stopScreenShare(): void {
    const stream = this.screenStream;
    if (!stream) return;
    this.screenStream = null;
    for (const t of stream.getTracks()) t.stop();
    for (const link of this.links.values()) link.setScreen(null);
    this.mediaChanged();
  }

  /** Swaps the track on every connection with replaceTrack: no renegotiation, peers see no interruption. */
  async switchDevice(kind: "audioinput" | "videoinput", deviceId: string): Promise<void> {
    try {
      await this.acquire(kind === "audioinput" ? "audio" : "video", deviceId);
    } finally {
      this.mediaChanged();
    }
  }

  restartIce(): void {
    for (const link of this.links.values()) link.restartIce();
  }

  subscribe(listener: (snapshot: CallSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getSnapshot(): CallSnapshot {
    return this.snapshot;
  }

  /** Leaves the call. The local stream's tracks stay with the caller; the screen capture is stopped. */
  close(): void {
    if (this.closed) return;
    this.stopScreenShare();
    this.closed = true;
    this.unsubscribe();
    if (typeof window !== "undefined") window.removeEventListener("online", this.onOnline);
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.roster = [];
    this.strays = [];
    this.emit();
    this.listeners.clear();
  }

  /**
   * New ICE servers (a renewed TURN credential): used by links opened from now on and by ICE restarts of the open
   * ones; connections already up keep going.
   */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.options.iceServers = iceServers;
    for (const link of this.links.values()) {
      if (link.pc.signalingState !== "closed") link.pc.setConfiguration({ ...link.pc.getConfiguration(), iceServers });
    }
  }

  private openLink(peerId: string): PeerLink {
    const link: PeerLink = new PeerLink(
      {
        peerId,
        polite: this.options.selfId > peerId,
        iceServers: this.options.iceServers,
        send: (message) => this.options.signalling.send(peerId, message),
        onChange: () => this.emit(),
        onConnected: () => link.sendMedia(this.mediaState()),
        onRemoteRestart: (message) => this.replaceLink(link, peerId)?.receive(message),
        onStuck: () => this.replaceLink(link, peerId),
      },
      { stream: this.options.localStream, screen: this.screenStream },
    );
    this.links.set(peerId, link);
    link.sendMedia(this.mediaState());
    const now = Date.now();
    const mine = this.strays.filter((s) => s.from === peerId && now - s.at < STRAY_MAX_AGE_MS);
    this.strays = this.strays.filter((s) => s.from !== peerId);
    for (const stray of mine) link.receive(stray.message);
    return link;
  }

  private replaceLink(link: PeerLink, peerId: string): PeerLink | undefined {
    if (this.closed || this.links.get(peerId) !== link) return undefined;
    link.close();
    const fresh = this.openLink(peerId);
    this.emit();
    return fresh;
  }

  private receive(from: string, message: SignalMessage): void {
    if (this.closed) return;
    const link = this.links.get(from);
    if (link) {
      link.receive(message);
      return;
    }
    this.strays.push({ from, message, at: Date.now() });
    if (this.strays.length > STRAY_LIMIT) this.strays.shift();
  }

  private localTrack(kind: Kind): MediaStreamTrack | undefined {
    const tracks = kind === "audio" ? this.options.localStream.getAudioTracks() : this.options.localStream.getVideoTracks();
    return tracks[0];
  }

  private isOn(kind: Kind): boolean {
    const track = this.localTrack(kind);
    return this.wanted[kind] && track !== undefined && track.readyState === "live";
  }

  private async setEnabled(kind: Kind, enabled: boolean): Promise<void> {
    this.wanted[kind] = enabled;
    const track = this.localTrack(kind);
    try {
      if (track && track.readyState === "live") track.enabled = enabled;
      // Someone who refused the device at first (or whose device vanished) can still turn it on later.
      else if (enabled) await this.acquire(kind, undefined);
    } finally {
      this.mediaChanged();
    }
  }

  private async acquire(kind: Kind, deviceId: string | undefined): Promise<void> {
    const wanted: boolean | MediaTrackConstraints = deviceId ? { deviceId: { exact: deviceId } } : true;
    const constraints: MediaStreamConstraints = kind === "audio" ? { audio: wanted } : { video: wanted };
    const old = this.localTrack(kind);
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      // Phones often cannot open a second camera while the first one is in use: release it and retry once.
      if (!old || (err as DOMException).name !== "NotReadableError") throw err;
      old.stop();
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    }
    const track = stream.getTracks()[0];
    if (this.closed) return void track?.stop();
    if (!track) throw new Error(`No ${kind} track from the device`);
    track.enabled = this.wanted[kind];
    // Into the stream first, so a connection opened while replaceTrack runs starts with the new track.
    if (old) {
      this.options.localStream.removeTrack(old);
      old.stop();
    }
    this.options.localStream.addTrack(track);
    this.watchLocalTrack(track);
    await Promise.all([...this.links.values()].map((link) => link.replaceTrack(kind, track)));
  }

  private watchLocalTrack(track: MediaStreamTrack): void {
    // An unplugged device ends its track: peers should then see "camera off" rather than a frozen frame.
    track.addEventListener("ended", () => this.mediaChanged());
  }

  private mediaState(): MediaState {
    return { screenStreamId: this.screenStream?.id ?? null, audioEnabled: this.isOn("audio"), videoEnabled: this.isOn("video") };
  }

  private mediaChanged(): void {
    if (this.closed) return;
    const media = this.mediaState();
    for (const link of this.links.values()) link.sendMedia(media);
    this.emit();
  }

  private emit(): void {
    this.snapshot = this.buildSnapshot();
    for (const listener of this.listeners) listener(this.snapshot);
  }

  private buildSnapshot(): CallSnapshot {
    const local: LocalSnapshot = Object.freeze({
      stream: this.options.localStream,
      screenStream: this.screenStream,
      audioEnabled: this.isOn("audio"),
      videoEnabled: this.isOn("video"),
    });
    const peers = this.roster.map((peer): PeerSnapshot => {
      const link = this.links.get(peer.userId);
      return Object.freeze({
        userId: peer.userId,
        name: peer.name,
        state: link?.state ?? "connecting",
        cameraStream: link?.cameraStream ?? null,
        screenStream: link?.screenStream ?? null,
        audioEnabled: link?.remoteMedia.audioEnabled ?? true,
        videoEnabled: link?.remoteMedia.videoEnabled ?? true,
      });
    });
    return Object.freeze({ local, peers: Object.freeze(peers) });
  }
}
