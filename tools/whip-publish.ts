/**
 * A WHIP publisher (RFC 9725) in Node: werift is the *sender* (sendonly Opus + VP8), ffmpeg encodes a test
 * pattern and a sine tone to RTP on local UDP sockets, and every packet is written into the werift tracks.
 * Used to exercise the recorder without a browser; also a CLI:
 *   npx tsx tools/whip-publish.ts --url http://127.0.0.1:3300/whip/REC --token wp1.… --seconds 10
 */
import { spawn, type ChildProcess } from "node:child_process";
import { pathToFileURL } from "node:url";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpPacket, useSdesMid, type RTCRtpSender } from "werift";
import { bindUdpInRange, freeUdpPortsInRange, type BoundSocket } from "@/tools/udp-port";

export interface PublishWhipOptions {
  url: string;
  token: string;
  /** Media seconds to send once the connection is up. */
  seconds: number;
  /** Stops early (media stops, DELETE is still attempted). */
  signal?: AbortSignal;
  /** UDP ports werift may use for ICE; default: werift's own choice. */
  icePortRange?: [number, number];
  /** UDP ports for the local RTP sockets ffmpeg sends to, and for ffmpeg's own sockets; default: any free port. */
  rtpPortRange?: [number, number];
  /** Also gather 127.0.0.1 (publisher and recorder on one loopback-only host); default: when the URL host is loopback. */
  loopback?: boolean;
  /** Called once when media starts flowing (after ICE + DTLS), with the wall-clock time. */
  onMediaStart?: (atMs: number) => void;
  /** Called for every RTP packet handed to werift, with its media time since the kind's first packet. */
  onSent?: (kind: "audio" | "video", mediaMs: number) => void;
  connectTimeoutMs?: number;
}

export interface PublishWhipResult {
  /** Absolute URL of the WHIP session resource. */
  location: string;
  /** Status of the POST (201 on success). */
  status: number;
  /** Status of the final DELETE, or null when the server could not be reached. */
  deleteStatus: number | null;
  mediaStartedAtMs: number | null;
  packetsSent: { audio: number; video: number };
}

const VIDEO_PT = 96;
const AUDIO_PT = 111;

function senderCodecs() {
  const fb = [{ type: "nack" }, { type: "nack", parameter: "pli" }];
  return {
    audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2, payloadType: AUDIO_PT })],
    video: [new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90_000, rtcpFeedback: fb, payloadType: VIDEO_PT })],
  };
}

function isLoopbackHost(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host.startsWith("127.") || host === "[::1]";
}

function waitFor(check: () => boolean, subscribe: (cb: () => void) => () => void, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${what} did not happen within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/** ffmpeg encodes testsrc2 (VP8) and a 440 Hz sine (Opus) to two RTP outputs in real time. */
function startFfmpeg(videoPort: number, audioPort: number, seconds: number, local?: number[]): ChildProcess {
  // RTCP from ffmpeg goes to the same socket (and is dropped there); its own sockets use `local` when given,
  // so that nothing binds a UDP port outside the caller's range.
  const url = (port: number, i: number) =>
    `rtp://127.0.0.1:${port}?pkt_size=1150&rtcpport=${port}${local ? `&localrtpport=${local[2 * i]}&localrtcpport=${local[2 * i + 1]}` : ""}`;
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    // -t on each input: both outputs end after `seconds` of media.
    "-re",
    "-t",
    String(seconds),
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=640x480:rate=25",
    "-re",
    "-t",
    String(seconds),
    "-f",
    "lavfi",
    "-i",
    "sine=f=440:sample_rate=48000",
    "-map",
    "0:v",
    "-c:v",
    "libvpx",
    "-deadline",
    "realtime",
    "-cpu-used",
    "8",
    "-b:v",
    "800k",
    "-g",
    "25",
    "-payload_type",
    String(VIDEO_PT),
    "-f",
    "rtp",
    url(videoPort, 0),
    "-map",
    "1:a",
    "-c:a",
    "libopus",
    "-ac",
    "2",
    "-ar",
    "48000",
    "-b:a",
    "64k",
    "-frame_duration",
    "20",
    "-payload_type",
    String(AUDIO_PT),
    "-f",
    "rtp",
    url(audioPort, 1),
  ];
  return spawn("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Feeds RTP from a local socket into a werift track, with the payload type the answer negotiated. */
function pipeRtp(socket: BoundSocket, track: MediaStreamTrack, sender: RTCRtpSender, counter: (rtpTimestamp: number) => void) {
  socket.socket.on("message", (msg) => {
    if (msg.length < 12 || ((msg[1] & 0x7f) >= 72 && (msg[1] & 0x7f) <= 76)) return; // RTCP from ffmpeg: werift sends its own
    const packet = RtpPacket.deSerialize(msg);
    packet.header.payloadType = sender.codec?.payloadType ?? packet.header.payloadType;
    counter(packet.header.timestamp);
    track.writeRtp(packet);
  });
}

export async function publishWhip(opts: PublishWhipOptions): Promise<PublishWhipResult> {
  const loopback = opts.loopback ?? isLoopbackHost(opts.url);
  const pc = new RTCPeerConnection({
    iceServers: [],
    icePortRange: opts.icePortRange,
    iceAdditionalHostAddresses: loopback ? ["127.0.0.1"] : undefined,
    iceUseIpv6: false,
    codecs: senderCodecs(),
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
  const audio = new MediaStreamTrack({ kind: "audio" });
  const video = new MediaStreamTrack({ kind: "video" });
  const audioSender = pc.addTransceiver(audio, { direction: "sendonly" }).sender;
  const videoSender = pc.addTransceiver(video, { direction: "sendonly" }).sender;
  const sockets: BoundSocket[] = [];
  let ffmpeg: ChildProcess | undefined;
  let location = "";
  const result: PublishWhipResult = {
    location: "",
    status: 0,
    deleteStatus: null,
    mediaStartedAtMs: null,
    packetsSent: { audio: 0, video: 0 },
  };
  const auth = { Authorization: `Bearer ${opts.token}` };
  try {
    // No trickle: wait for all host candidates, then POST one complete offer (RFC 9725 §4.2).
    await pc.setLocalDescription(await pc.createOffer());
    await waitFor(
      () => pc.iceGatheringState === "complete",
      (cb) => pc.iceGatheringStateChange.subscribe(cb).unSubscribe,
      5000,
      "ICE gathering",
    );
    const res = await fetch(opts.url, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/sdp" },
      body: pc.localDescription!.sdp,
      signal: opts.signal,
    });
    result.status = res.status;
    const body = await res.text();
    if (res.status !== 201) throw new Error(`WHIP POST answered ${res.status}: ${body.slice(0, 300)}`);
    const loc = res.headers.get("Location");
    if (!loc) throw new Error("WHIP POST answered 201 without a Location header");
    location = result.location = new URL(loc, opts.url).toString();
    await pc.setRemoteDescription({ type: "answer", sdp: body });
    await waitFor(
      () => pc.connectionState === "connected",
      (cb) => pc.connectionStateChange.subscribe(cb).unSubscribe,
      opts.connectTimeoutMs ?? 10_000,
      "WebRTC connection",
    );

    sockets.push(await bindUdpInRange(opts.rtpPortRange), await bindUdpInRange(opts.rtpPortRange));
    const [videoIn, audioIn] = sockets;
    const firstTimestamp: Partial<Record<"audio" | "video", number>> = {};
    const sent = (kind: "audio" | "video", clockRate: number) => (ts: number) => {
      result.packetsSent[kind]++;
      firstTimestamp[kind] ??= ts;
      opts.onSent?.(kind, (((ts - firstTimestamp[kind]!) >>> 0) * 1000) / clockRate);
    };
    pipeRtp(videoIn, video, videoSender, sent("video", 90_000));
    pipeRtp(audioIn, audio, audioSender, sent("audio", 48_000));
    if (opts.signal?.aborted) return result;
    const local = await freeUdpPortsInRange(opts.rtpPortRange, 4);
    const ff = (ffmpeg = startFfmpeg(videoIn.port, audioIn.port, opts.seconds, local));
    result.mediaStartedAtMs = Date.now();
    opts.onMediaStart?.(result.mediaStartedAtMs);
    let stderr = "";
    ff.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => ff.once("exit", (code) => resolve(code)));
    const onAbort = () => ff.kill("SIGTERM");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const code = await exited;
    opts.signal?.removeEventListener("abort", onAbort);
    if (code !== 0 && !opts.signal?.aborted) throw new Error(`ffmpeg exited ${code}: ${stderr.slice(0, 300)}`);
    // Let the last packets leave before the session is torn down.
    await new Promise((r) => setTimeout(r, 300));
    return result;
  } finally {
    if (ffmpeg && ffmpeg.exitCode === null) ffmpeg.kill("SIGKILL");
    for (const s of sockets) s.socket.close();
    if (location) {
      result.deleteStatus = await fetch(location, { method: "DELETE", headers: auth, signal: AbortSignal.timeout(5000) })
        .then((r) => r.status)
        .catch(() => null);
    }
    await pc.close().catch(() => undefined);
  }
}

function parseArgs(argv: string[]): PublishWhipOptions {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const range = (v?: string): [number, number] | undefined => {
    if (!v) return undefined;
    const [a, b] = v.split("-").map(Number);
    return [a, b];
  };
  const url = get("url");
  const token = get("token");
  const seconds = Number(get("seconds") ?? 10);
  if (!url || !token || !(seconds > 0)) {
    throw new Error("usage: whip-publish --url URL --token TOKEN [--seconds N] [--ice-ports FROM-TO] [--rtp-ports FROM-TO]");
  }
  return { url, token, seconds, icePortRange: range(get("ice-ports")), rtpPortRange: range(get("rtp-ports")) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    const result = await publishWhip({ ...parseArgs(process.argv.slice(2)), signal: controller.signal });
    console.log(JSON.stringify(result));
    process.exit(0);
  } catch (err) {
    console.error(`whip-publish: ${(err as Error).message}`);
    process.exit(1);
  }
}
