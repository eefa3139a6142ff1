import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "@playwright/test";
import type { WhipHandler } from "@/recorder/ingest";

export const CHROMIUM = "/usr/bin/chromium";
export const haveBrowserAndFfmpeg =
  existsSync(CHROMIUM) &&
  (() => {
    try {
      execFileSync("ffprobe", ["-version"]);
      return true;
    } catch {
      return false;
    }
  })();

/** Headless Chromium with a fake camera and, optionally, a WAV file as the microphone and a Y4M file as the camera. */
export function launchPublisherBrowser(audioFile?: string, videoFile?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--allow-loopback-in-peer-connection",
      ...(audioFile ? [`--use-file-for-fake-audio-capture=${audioFile}`] : []),
      ...(videoFile ? [`--use-file-for-fake-video-capture=${videoFile}`] : []),
    ],
  });
}

/** A loopback HTTP server with the ingest mounted and a blank page for the publishing browser. */
export async function serveIngest(handler: WhipHandler): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (await handler(req, res)) return;
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>publisher</title>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await handler.closeAll();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface PublishPlan {
  whipUrl: string;
  token: string;
  seconds: number;
  width: number;
  height: number;
  /** Seconds after connecting: microphone disabled and camera detached from the sender, then both back. */
  muteAt?: number;
  unmuteAt?: number;
  /** Seconds after connecting: ICE restart over PATCH (RFC 9725 §4.4.1). */
  restartIceAt?: number;
  preferH264?: boolean;
  /** Start the plan's clock only once every sender has sent packets (under load, DTLS and the first encode can take seconds). */
  waitForMedia?: boolean;
}

/**
 * Runs in the page (passed to page.evaluate): a standard WHIP client that waits for gathering,
 * POSTs the offer, optionally mutes/unmutes and restarts ICE, then DELETEs.
 */
export async function publishInPage(plan: PublishPlan) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    video: { width: plan.width, height: plan.height },
  });
  const pc = new RTCPeerConnection();
  const senders = stream.getTracks().map((track) => {
    const t = pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    if (plan.preferH264 && track.kind === "video") {
      const codecs = RTCRtpSender.getCapabilities("video")!.codecs;
      t.setCodecPreferences([...codecs.filter((c) => c.mimeType === "video/H264"), ...codecs.filter((c) => c.mimeType !== "video/H264")]);
    }
    return t.sender;
  });
  const gathered = () =>
    new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 2000);
    });
  const connected = () =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pc.iceConnectionState === "connected" || pc.iceConnectionState === "completed") resolve();
        if (pc.connectionState === "failed") reject(new Error("connection failed"));
      };
      pc.addEventListener("iceconnectionstatechange", check);
      check();
    });
  const auth = { Authorization: `Bearer ${plan.token}` };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered();
  const res = await fetch(plan.whipUrl, {
    method: "POST",
    headers: { ...auth, "Content-Type": "application/sdp" },
    body: pc.localDescription!.sdp,
  });
  if (res.status !== 201) throw new Error(`POST ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get("Location")!, plan.whipUrl).toString();
  let etag = res.headers.get("ETag") ?? "";
  await pc.setRemoteDescription({ type: "answer", sdp: await res.text() });
  await connected();
  const connectedAt = performance.now();
  while (plan.waitForMedia && performance.now() - connectedAt < 15_000) {
    const sending = new Set<string>();
    (await pc.getStats()).forEach((s) => {
      if (s.type === "outbound-rtp" && s.packetsSent > 0) sending.add(s.kind);
    });
    if (sending.size === senders.length) break;
    if (performance.now() - connectedAt > 14_000) {
      const seen: unknown[] = [];
      (await pc.getStats()).forEach((s) => {
        if (s.type === "transport")
          seen.push({
            type: s.type,
            dtlsState: s.dtlsState,
            iceState: s.iceState,
            packetsSent: s.packetsSent,
            packetsReceived: s.packetsReceived,
          });
        if (s.type === "outbound-rtp") seen.push({ kind: s.kind, packetsSent: s.packetsSent });
      });
      console.log(JSON.stringify({ connectionState: pc.connectionState, ice: pc.iceConnectionState, seen }));
      break;
    }
    await sleep(100);
  }
  const t0 = performance.now();
  const at = (s: number | undefined) => sleep(Math.max(0, (s ?? 0) * 1000 - (performance.now() - t0)));
  const result = {
    restart: { status: 0, etagChanged: false, reconnectMs: -1, bytesAfter: 0 },
    deleteStatus: 0,
    mediaAfterMs: Math.round(t0 - connectedAt),
  };
  const actions: { t: number; run: () => Promise<void> }[] = [];
  if (plan.muteAt !== undefined) {
    actions.push({
      t: plan.muteAt,
      run: async () => {
        stream.getAudioTracks()[0].enabled = false;
        await senders.find((s) => s.track?.kind === "video")!.replaceTrack(null);
      },
    });
    actions.push({
      t: plan.unmuteAt!,
      run: async () => {
        stream.getAudioTracks()[0].enabled = true;
        await senders.find((s) => s.track === null)!.replaceTrack(stream.getVideoTracks()[0]);
      },
    });
  }
  if (plan.restartIceAt !== undefined) {
    actions.push({
      t: plan.restartIceAt,
      run: async () => {
        const oldUfrag = /a=ice-ufrag:(.*)\r\n/.exec(pc.localDescription!.sdp)![1];
        pc.restartIce();
        await pc.setLocalDescription(await pc.createOffer());
        await gathered();
        const sdp = pc.localDescription!.sdp;
        const [, ufrag, pwd] = /a=ice-ufrag:(.*)\r\na=ice-pwd:(.*)\r\n/.exec(sdp)!;
        if (ufrag === oldUfrag) throw new Error("restartIce did not change the ufrag");
        const firstSection = sdp.split("\r\nm=")[1];
        const candidates = firstSection.split("\r\n").filter((l) => l.startsWith("a=candidate:"));
        const mid = /a=mid:(.*)/.exec(firstSection)![1];
        const body = `${[`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, "m=audio 9 UDP/TLS/RTP/SAVPF 0", `a=mid:${mid}`, ...candidates, "a=end-of-candidates"].join("\r\n")}\r\n`;
        const started = performance.now();
        const r = await fetch(location, {
          method: "PATCH",
          headers: { ...auth, "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag },
          body,
        });
        result.restart.status = r.status;
        const frag = await r.text();
        if (r.status !== 200) throw new Error(`PATCH ${r.status}: ${frag}`);
        result.restart.etagChanged = (r.headers.get("ETag") ?? etag) !== etag;
        etag = r.headers.get("ETag") ?? etag;
        // Our answer, with the recorder's new credentials and candidates (RFC 9725 §4.4.1).
        const fragLines = frag.split(/\r?\n/);
        const newUfrag = fragLines.find((l) => l.startsWith("a=ice-ufrag:"))!;
        const newPwd = fragLines.find((l) => l.startsWith("a=ice-pwd:"))!;
        const newCands = fragLines.filter((l) => l.startsWith("a=candidate:"));
        const answer = pc
          .remoteDescription!.sdp.split("\r\n")
          .filter((l) => !l.startsWith("a=candidate:") && l !== "a=end-of-candidates")
          .map((l) => (l.startsWith("a=ice-ufrag:") ? newUfrag : l.startsWith("a=ice-pwd:") ? newPwd : l))
          .flatMap((l) => (l === `a=mid:${mid}` ? [l, ...newCands] : [l]))
          .join("\r\n");
        await pc.setRemoteDescription({ type: "answer", sdp: answer });
        await connected();
        result.restart.reconnectMs = performance.now() - started;
        const sent = async () => {
          let bytes = 0;
          (await pc.getStats()).forEach((s) => {
            if (s.type === "outbound-rtp" && s.kind === "video") bytes += s.bytesSent;
          });
          return bytes;
        };
        const before = await sent();
        await sleep(1500);
        result.restart.bytesAfter = (await sent()) - before;
      },
    });
  }
  for (const a of actions.sort((x, y) => x.t - y.t)) {
    await at(a.t);
    await a.run();
  }
  await at(plan.seconds);
  result.deleteStatus = (await fetch(location, { method: "DELETE", headers: auth })).status;
  pc.close();
  for (const t of stream.getTracks()) t.stop();
  return result;
}
