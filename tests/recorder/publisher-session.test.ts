import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addBitrateHints, filterOffer } from "@/recorder/ingest/offer-filter";
import type { PublisherSession } from "@/recorder/ingest/publisher-session";
import { publisherSessionFactory } from "@/recorder/ingest/publisher-session-factory";
import type { SessionRequest } from "@/recorder/whip/whip-handler";
import type { TrackSink } from "@/recorder/pipeline/types";

const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8");
const request = (offerSdp = offer): SessionRequest => ({
  sessionId: "s1",
  recordingId: "rec1",
  offerSdp,
  claims: { recordingId: "rec1", participantId: "p1", displayName: "A" },
});
const nullSink = (): TrackSink => ({ onRtp() {}, onSenderReport() {}, async close() {} });

describe("offer-filter", () => {
  it("keeps one payload type per codec, nack/pli/fir only, and no transport-cc", () => {
    const { sdp, chosen, rtx } = filterOffer(offer);
    expect(chosen.get(0)).toEqual([{ codec: "opus", payloadType: 111, clockRate: 48_000 }]);
    expect(chosen.get(1)).toEqual([
      { codec: "vp8", payloadType: 96, clockRate: 90_000 },
      { codec: "h264", payloadType: 108, clockRate: 90_000 },
    ]);
    expect(sdp).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111\r$/m);
    expect(sdp).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 96 108 97 109\r$/m);
    // RTX kept only for the chosen codecs (97 → VP8 96, 109 → H.264 108), with its apt.
    expect(rtx.get(1)).toEqual([97, 109]);
    expect(sdp).toContain("a=fmtp:97 apt=96");
    expect(sdp).not.toMatch(/a=rtpmap:103 /);
    expect(sdp).not.toContain("transport-cc");
    expect(sdp).not.toContain("goog-remb");
    expect(sdp).not.toContain("transport-wide-cc");
    expect(sdp).toContain("a=rtcp-fb:96 nack pli");
    expect(sdp).not.toMatch(/a=rtpmap:98 /);
    expect(sdp).toContain("a=candidate:"); // candidates in the offer survive
  });

  it("adds bitrate hints to the answer's video fmtp, creating the line when missing", () => {
    const answer = "m=video 9 X 96 108\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:108 H264/90000\r\na=fmtp:108 packetization-mode=1\r\n";
    const out = addBitrateHints(answer, [96, 108], { startKbps: 1000, minKbps: 300 });
    expect(out).toContain("a=rtpmap:96 VP8/90000\r\na=fmtp:96 x-google-start-bitrate=1000;x-google-min-bitrate=300\r\n");
    expect(out).toContain("a=fmtp:108 packetization-mode=1;x-google-start-bitrate=1000;x-google-min-bitrate=300");
  });
});

describe("publisher-session (werift, no browser)", () => {
  const sessions: PublisherSession[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close("test-end")));
  });

  it("answers a Chromium offer recvonly with the chosen codecs, hints, loopback candidates and no TWCC", async () => {
    const factory = publisherSessionFactory({ icePortRange: [45_700, 45_760], loopback: true, createTrackSink: nullSink });
    const s = (await factory(request())) as PublisherSession;
    sessions.push(s);
    const a = s.answerSdp;
    expect(a).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111\r?$/m);
    expect(a).toMatch(/^m=video \d+ UDP\/TLS\/RTP\/SAVPF 96 97 108 109\r?$/m); // werift lists rtpmap order
    expect(a).toContain("a=rtpmap:97 rtx/90000");
    expect(a).toMatch(/^a=extmap:\d+ urn:ietf:params:rtp-hdrext:ssrc-audio-level\r?$/m);
    expect(a.match(/a=recvonly/g)?.length).toBe(2);
    expect(a).not.toContain("transport-cc");
    expect(a).not.toContain("transport-wide-cc");
    expect(a).toContain("x-google-start-bitrate=2500");
    expect(a).toContain("a=rtcp-fb:96 nack pli");
    expect(a).toMatch(/a=candidate:.* 127\.0\.0\.1 (\d+) typ host/);
    const ports = [...a.matchAll(/a=candidate:\S+ \d udp \d+ \S+ (\d+) typ/g)].map((m) => Number(m[1]));
    for (const p of ports) expect(p >= 45_700 && p <= 45_760).toBe(true);
  });

  it("creates concurrent sessions one at a time without port clashes", async () => {
    const factory = publisherSessionFactory({ icePortRange: [45_800, 45_860], loopback: true, createTrackSink: nullSink });
    const made = (await Promise.all([1, 2, 3].map(() => factory(request())))) as PublisherSession[];
    sessions.push(...made);
    const portsOf = (s: PublisherSession) => new Set([...s.answerSdp.matchAll(/ 127\.0\.0\.1 (\d+) typ host/g)].map((m) => m[1]));
    const [a, b, c] = made.map(portsOf);
    for (const p of a) expect(b.has(p) || c.has(p)).toBe(false);
  });

  it("refuses an offer without a supported video codec with 422", async () => {
    const noVideo = offer.replaceAll("VP8/90000", "VP9/90000").replaceAll("H264/90000", "AV1/90000");
    const factory = publisherSessionFactory({ icePortRange: [45_880, 45_900], loopback: true, createTrackSink: nullSink });
    await expect(factory(request(noVideo))).rejects.toMatchObject({ status: 422, code: "unsupported-codec" });
  });

  it("closes itself after the inactivity timeout and tells its listeners", async () => {
    const factory = publisherSessionFactory({
      icePortRange: [45_920, 45_960],
      loopback: true,
      createTrackSink: nullSink,
      inactivityTimeoutMs: 300,
    });
    const s = await factory(request());
    const reason = await new Promise<string>((resolve) => s.onClosed(resolve));
    expect(reason).toBe("inactive");
  });
});
