// A browser WHIP client (RFC 9725): publishes local tracks into a recording at the recorder.
// Separate from the call's peer connections so the recorder sees each participant's own media
// at full quality, whatever the mesh negotiates between browsers.

export interface WhipCredential {
  whipUrl: string;
  token: string;
}

export interface WhipPublisherOptions {
  iceServers?: RTCIceServer[];
  /**
   * Trickle ICE (default true): POST the offer with the first burst of host candidates (within 100 ms)
   * and send later ones with PATCH (`application/trickle-ice-sdpfrag` + If-Match, RFC 9725 §4.4).
   * Waiting for complete gathering cost 120-350 ms even on loopback (Chromium's TCP candidates come
   * last), up to gatherTimeoutMs with an unreachable STUN/TURN server, before the recorder saw the offer.
   */
  trickle?: boolean;
  /** Without trickle: how long to wait for ICE gathering before POSTing what has been gathered. */
  gatherTimeoutMs?: number;
  /** The connection failed or the recorder ended the session: the caller may publish again. */
  onFailed?: (reason: string) => void;
}

/** Trickle: the offer goes once candidates pause this long (host candidates come in one burst)... */
const EARLY_POST_QUIET_MS = 15;
/** ...or after this long at most. */
const EARLY_POST_MAX_MS = 100;

export class WhipError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "WhipError";
  }
}

export class WhipPublisher {
  private pc: RTCPeerConnection | null = null;
  private location: string | null = null;
  private readonly senders = new Map<"audio" | "video", RTCRtpSender>();
  private stopped = false;
  private readonly trickle = new CandidateTrickle();
  private readonly credentialReady: Promise<WhipCredential>;
  private credential: WhipCredential | null = null;

  /**
   * `credential` may be a promise: the peer connection, offer and first candidates are then prepared
   * while the app is still fetching it (they do not depend on it); only the POST waits for it.
   */
  constructor(
    credential: WhipCredential | Promise<WhipCredential>,
    private readonly opts: WhipPublisherOptions = {},
  ) {
    this.credentialReady = Promise.resolve(credential).then((c) => (this.credential = c));
    this.credentialReady.catch(() => undefined); // start() reports it
  }

  /** Offers one audio and one video section (even without a track, so one can be added later). */
  async start(tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null }): Promise<void> {
    // One transport for both m-lines (WHIP servers must support BUNDLE): half the candidates to gather and pair.
    const pc = new RTCPeerConnection({ iceServers: this.opts.iceServers ?? [], bundlePolicy: "max-bundle" });
    this.pc = pc;
    for (const kind of ["audio", "video"] as const) {
      const transceiver = pc.addTransceiver(tracks[kind] ?? kind, { direction: "sendonly" });
      this.senders.set(kind, transceiver.sender);
    }
    pc.addEventListener("connectionstatechange", () => {
      if (!this.stopped && pc.connectionState === "failed") this.opts.onFailed?.("connection-failed");
    });
    const trickle = this.opts.trickle ?? true;
    if (trickle) pc.addEventListener("icecandidate", (e) => this.trickle.add(pc, e.candidate));
    await pc.setLocalDescription(await pc.createOffer());
    // Host candidates come within a few ms, TCP/STUN/TURN ones 100+ ms later: POST with the first burst
    // (the recorder can then check pairs at once) and trickle the rest.
    await (trickle ? this.gathered(pc, EARLY_POST_MAX_MS, EARLY_POST_QUIET_MS) : this.gathered(pc, this.opts.gatherTimeoutMs ?? 1500));
    const offer = pc.localDescription!.sdp;
    let credential: WhipCredential;
    try {
      credential = await this.credentialReady;
    } catch (err) {
      pc.close();
      throw err;
    }
    if (this.stopped) {
      pc.close(); // stopped before anything reached the recorder
      return;
    }
    const res = await fetch(credential.whipUrl, {
      method: "POST",
      headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${credential.token}` },
      body: offer,
    });
    if (res.status !== 201) {
      const problem = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
      pc.close();
      throw new WhipError(res.status, problem.error ?? "whip-refused", problem.message ?? `the recorder answered ${res.status}`);
    }
    const location = res.headers.get("Location");
    this.location = location ? new URL(location, credential.whipUrl).toString() : null;
    const answer = await res.text();
    if (this.stopped) {
      await this.stop();
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    // Candidates found while the POST was in flight go now; later ones as they come.
    if (trickle && this.location) this.trickle.open(this.location, credential.token, res.headers.get("ETag"), offer);
  }

  /** Follows a device change or a mute without a new session. */
  async replaceTrack(kind: "audio" | "video", track: MediaStreamTrack | null): Promise<void> {
    await this.senders.get(kind)?.replaceTrack(track);
  }

  /** Ends the session at the recorder (DELETE), so its files are finished at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.trickle.close();
    const location = this.location;
    this.location = null;
    if (location && this.credential) {
      await fetch(location, { method: "DELETE", headers: { Authorization: `Bearer ${this.credential.token}` }, keepalive: true }).catch(
        () => undefined,
      );
    }
    this.pc?.close();
    this.pc = null;
  }

  /** Resolves when gathering completes, after `limitMs`, or (with `quietMs`) once candidates stop coming for that long. */
  private gathered(pc: RTCPeerConnection, limitMs: number, quietMs?: number): Promise<void> {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      let quiet: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(limit);
        clearTimeout(quiet);
        pc.removeEventListener("icegatheringstatechange", onState);
        pc.removeEventListener("icecandidate", onCandidate);
        resolve();
      };
      const limit = setTimeout(done, limitMs);
      const onState = () => pc.iceGatheringState === "complete" && done();
      const onCandidate = () => {
        if (quietMs === undefined) return;
        clearTimeout(quiet);
        quiet = setTimeout(done, quietMs);
      };
      pc.addEventListener("icegatheringstatechange", onState);
      pc.addEventListener("icecandidate", onCandidate);
    });
  }
}

/**
 * Sends local ICE candidates to the WHIP session as RFC 8840 sdpfrags, one PATCH at a time and in order.
 * Best effort: a server that refuses trickle still learns our address from our connectivity checks
 * (peer-reflexive candidates), so a refused PATCH only stops further ones.
 */
class CandidateTrickle {
  private location: string | null = null;
  private token = "";
  private etag: string | null = null;
  private sentInOffer = new Set<string>();
  private pending: { mid: string; candidate: string }[] = [];
  private ended = false;
  private chain: Promise<void> = Promise.resolve();
  private pc: RTCPeerConnection | null = null;
  private done = false;

  add(pc: RTCPeerConnection, candidate: RTCIceCandidate | null): void {
    if (this.done) return;
    this.pc = pc;
    if (!candidate) this.ended = true;
    else if (candidate.candidate) this.pending.push({ mid: candidate.sdpMid ?? "0", candidate: candidate.candidate });
    this.flush();
  }

  open(location: string, token: string, etag: string | null, offerSdp: string): void {
    this.location = location;
    this.token = token;
    this.etag = etag;
    // Candidates already in the POSTed offer need not be sent again.
    this.sentInOffer = new Set(
      offerSdp
        .split(/\r?\n/)
        .filter((l) => l.startsWith("a=candidate:"))
        .map((l) => candidateKey(l.slice(2))),
    );
    this.flush();
  }

  close(): void {
    this.done = true;
    this.pending = [];
  }

  private flush(): void {
    if (!this.location || !this.pc || this.done) return;
    const batch = this.pending.filter((c) => !this.sentInOffer.has(candidateKey(c.candidate)));
    this.pending = [];
    const end = this.ended;
    this.ended = false;
    if (!batch.length && !end) return;
    const body = this.fragment(this.pc, batch, end);
    const location = this.location;
    this.chain = this.chain.then(async () => {
      if (this.done || !body) return;
      const headers: Record<string, string> = { "Content-Type": "application/trickle-ice-sdpfrag", Authorization: `Bearer ${this.token}` };
      if (this.etag) headers["If-Match"] = this.etag;
      const res = await fetch(location, { method: "PATCH", headers, body }).catch(() => null);
      if (!res || (res.status !== 204 && res.status !== 200)) this.done = true;
    });
  }

  private fragment(pc: RTCPeerConnection, batch: { mid: string; candidate: string }[], end: boolean): string | null {
    const sdp = pc.localDescription?.sdp ?? "";
    const ufrag = /^a=ice-ufrag:(.*)$/m.exec(sdp)?.[1]?.trim();
    const pwd = /^a=ice-pwd:(.*)$/m.exec(sdp)?.[1]?.trim();
    if (!ufrag || !pwd) return null;
    const lines = [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`];
    const mids = [...new Set(batch.map((c) => c.mid))];
    if (!mids.length) mids.push(/^a=mid:(.*)$/m.exec(sdp)?.[1]?.trim() ?? "0");
    for (const mid of mids) {
      lines.push("m=audio 9 UDP/TLS/RTP/SAVPF 0", `a=mid:${mid}`);
      for (const c of batch.filter((b) => b.mid === mid)) lines.push(`a=${c.candidate}`);
    }
    if (end) lines.push("a=end-of-candidates");
    return `${lines.join("\r\n")}\r\n`;
  }
}

/**
 * foundation, component, transport, address and port: the same candidate reads differently in the SDP
 * and in the icecandidate event (the event's string adds `ufrag ...`), and a repeated one is not harmless:
 * werift pairs it again and its ICE reports connected only after checking the new pairs (~100 ms).
 */
function candidateKey(candidate: string): string {
  return candidate.split(" ").slice(0, 6).join(" ");
}
