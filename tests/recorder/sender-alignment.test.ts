import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RawTrackWriter } from "@/recorder/pipeline/raw-track-writer";
import { NTP_UNIX_OFFSET_SECONDS } from "@/recorder/pipeline/rtp-clock";
import { SenderAlignment } from "@/recorder/pipeline/sender-alignment";
import type { TrackEvent } from "@/recorder/pipeline/types";

const dir = mkdtempSync(path.join(os.tmpdir(), "sender-align-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ntpFromUnixMs(ms: number): bigint {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.round(((ms - seconds * 1000) / 1000) * 2 ** 32);
  return (BigInt(seconds + NTP_UNIX_OFFSET_SECONDS) << 32n) + BigInt(fraction);
}

/**
 * A sender whose clock reads `offsetMs` ahead of ours captures file time 0 at our time T0 and
 * sends an SR every second; each takes `delays[k]` ms to reach us.
 */
async function runSender(offsetMs: number, delays: number[]) {
  const T0 = 1_700_000_000_000;
  const clockRate = 90_000;
  const originRtp = 4_294_000_000; // wraps during the run
  let now = T0 + 37; // first packet arrives 37 ms after capture (encoder, pacer)
  const events: TrackEvent[] = [];
  const w = new RawTrackWriter(
    { kind: "video", codec: "vp8", ssrc: 7, clockRate, trackIndex: 0, requestKeyframe: () => undefined },
    { directory: dir, name: `offset${offsetMs}`, now: () => now, onEvent: (e) => events.push(e) },
  );
  w.onRtp({
    header: { sequenceNumber: 1, timestamp: originRtp, marker: true, ssrc: 7, payloadType: 96 },
    payload: Buffer.from([0x10, 0, 0]),
  });
  const syncsAfter: number[] = [];
  delays.forEach((delay, k) => {
    const sentAt = T0 + 1000 * (k + 1);
    const rtp = (originRtp + (clockRate * (sentAt - T0)) / 1000) % 2 ** 32;
    now = sentAt + delay;
    w.onSenderReport({
      ssrc: 7,
      senderInfo: { ntpTimestamp: ntpFromUnixMs(sentAt + offsetMs), rtpTimestamp: rtp, packetCount: k, octetCount: k },
    });
    syncsAfter.push(events.filter((e) => e.type === "track-sync").length);
  });
  await w.close();
  const syncs = events.filter((e): e is Extract<TrackEvent, { type: "track-sync" }> => e.type === "track-sync");
  const start = events.find((e) => e.type === "track-start") as { mediaZeroMs: number };
  const timing = readFileSync(w.files.timing, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  return { T0, syncs, syncsAfter, start, timing };
}

describe("sender alignment (alignedZeroMs)", () => {
  it.each([
    { offsetMs: 5000, delays: [40, 12, 25, 3, 9] },
    { offsetMs: -3000, delays: [18, 60, 5, 5.2, 30, 2] },
  ])(
    "with the sender's clock $offsetMs ms off, places file time 0 within the best-case delay of the capture instant",
    async ({ offsetMs, delays }) => {
      const { T0, syncs, syncsAfter, start, timing } = await runSender(offsetMs, delays);
      // First-packet arrival is late by the encoder/pacer delay; the sender clock is off by the offset.
      expect(start.mediaZeroMs).toBe(T0 + 37);
      const minDelay = Math.min(...delays);
      const last = syncs.at(-1)!;
      expect(last.mediaZeroNtpMs).toBeCloseTo(T0 + offsetMs, 0);
      expect(last.transitMs).toBeCloseTo(minDelay - offsetMs, 0);
      expect(last.alignedZeroMs).toBeCloseTo(T0 + minDelay, 0);
      expect(Math.abs(last.alignedZeroMs - (last.mediaZeroNtpMs + last.transitMs))).toBeLessThan(0.2);
      // One line per improvement of the best transit (by at least 0.5 ms), none for worse reports.
      const improvements = delays.filter((d, i) => delays.slice(0, i).every((p) => d < p - 0.5 || i === 0)).length;
      expect(syncs).toHaveLength(improvements);
      for (let k = 1; k < syncs.length; k++) expect(syncs[k].transitMs).toBeLessThan(syncs[k - 1].transitMs);
      expect(syncsAfter[0]).toBe(1);
      expect(timing.filter((l) => l.type === "sync")).toHaveLength(syncs.length);
    },
  );

  it("uses a report that arrived before the first packet once the track starts", () => {
    const a = new SenderAlignment(48_000);
    expect(a.addReport({ rtp: 48_000, ntpUnixMs: 10_000, arrivalMs: 13_000 })).toBe(true);
    expect(a.takeImproved(undefined)).toBeUndefined();
    expect(a.takeImproved(0)).toEqual({ mediaZeroNtpMs: 9000, transitMs: 3000, alignedZeroMs: 12_000 });
    expect(a.takeImproved(0)).toBeUndefined(); // nothing new
    expect(a.addReport({ rtp: 96_000, ntpUnixMs: 11_000, arrivalMs: 14_010 })).toBe(false);
    expect(a.addReport({ rtp: 144_000, ntpUnixMs: 12_000, arrivalMs: 14_999.8 })).toBe(true);
    expect(a.takeImproved(0)).toBeUndefined(); // 0.2 ms better: not worth a line
    expect(a.addReport({ rtp: 192_000, ntpUnixMs: 13_000, arrivalMs: 15_990 })).toBe(true);
    expect(a.takeImproved(0)).toEqual({ mediaZeroNtpMs: 9000, transitMs: 2990, alignedZeroMs: 11_990 });
  });
});
