import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { remoteCandidateKey } from "@/recorder/ingest/candidates";
import type { PublisherSession } from "@/recorder/ingest/publisher-session";
import { publisherSessionFactory } from "@/recorder/ingest/publisher-session-factory";
import type { TrackSink } from "@/recorder/pipeline/types";
import type { SessionRequest } from "@/recorder/whip/whip-handler";

// Recorder-side parts of a fast start, without a browser (tests/recorder/sender-alignment-chromium.test.ts has one).
const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8");
const request = (sessionId: string): SessionRequest => ({
  sessionId,
  recordingId: "rec-fast",
  offerSdp: offer,
  claims: { recordingId: "rec-fast", participantId: sessionId, displayName: "A" },
});
const nullSink = (): TrackSink => ({ onRtp() {}, onSenderReport() {}, async close() {} });
type IceConnection = { stunServer?: unknown; remoteCandidates: { host: string; port: number; transport: string }[] };
const iceOf = (s: PublisherSession) =>
  (s as unknown as { pc: { iceTransports: { connection: IceConnection }[] } }).pc.iceTransports[0].connection;

describe("fast start (recorder side)", () => {
  const sessions: PublisherSession[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close("test-end")));
  });
  const factory = publisherSessionFactory({ icePortRange: [45_961, 45_999], loopback: true, createTrackSink: nullSink });

  it("answers as DTLS server, without werift's default STUN query, and quickly for 4 offers at once", async () => {
    const t0 = Date.now();
    const four = (await Promise.all(["a", "b", "c", "d"].map((id) => factory(request(id))))) as PublisherSession[];
    sessions.push(...four);
    const elapsed = Date.now() - t0;
    for (const s of four) {
      expect(s.answerSdp).toMatch(/^a=setup:passive\r?$/m);
      expect(s.answerSdp).not.toMatch(/^a=setup:(active|actpass)/m);
      expect(iceOf(s).stunServer).toBeUndefined();
    }
    // Ports bound by the four sessions never overlap (disjoint lanes, or one gathering at a time).
    const ports = four.flatMap((s) => [
      ...new Set([...s.answerSdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ/gm)].map((m) => m[1])),
    ]);
    expect(new Set(ports).size).toBe(ports.length);
    // With the default STUN query a DNS lookup of stun.l.google.com could hold an answer for werift's 5 s timeout.
    expect(elapsed).toBeLessThan(2000);
  });

  it("adds trickled candidates once, and skips TCP ones werift could never pair", async () => {
    const s = sessions[0];
    const known = iceOf(s).remoteCandidates.length;
    const offerCandidate = offer.split(/\r?\n/).find((l) => l.startsWith("a=candidate:") && / udp /i.test(l))!;
    await s.addRemoteCandidates({
      candidates: [
        { candidate: offerCandidate.slice(2), mid: "0", mLineIndex: 0 }, // repeated from the offer
        { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 40001 typ host generation 0 ufrag x network-id 1", mid: "0", mLineIndex: 0 },
        { candidate: "candidate:1 1 UDP 2122260223 127.0.0.1 40001 typ host", mid: "0", mLineIndex: 0 }, // same address again
        { candidate: "candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0", mid: "0", mLineIndex: 0 },
      ],
      endOfCandidates: false,
    });
    const added = iceOf(s).remoteCandidates.slice(known);
    expect(added.map((c) => `${c.transport} ${c.host} ${c.port}`)).toEqual(["udp 127.0.0.1 40001"]);
  });

  it("keys candidates by transport, address and port, whatever their extensions", () => {
    expect(remoteCandidateKey("candidate:9 1 udp 1 192.0.2.2 5000 typ host generation 0 ufrag a network-id 2")).toBe("udp 192.0.2.2 5000");
    expect(remoteCandidateKey("a=candidate:9 1 UDP 1 192.0.2.2 5000 typ host")).toBe("udp 192.0.2.2 5000");
    expect(remoteCandidateKey("candidate:9 1 tcp 1 192.0.2.2 9 typ host tcptype active")).toBeUndefined();
  });
});
