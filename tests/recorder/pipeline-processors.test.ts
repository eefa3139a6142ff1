import { describe, it, expect } from "vitest";
import { CounterUnwrapper, ntpToSeconds, ntpToUnixMs, RtpClock, NTP_UNIX_OFFSET_SECONDS } from "@/recorder/pipeline/rtp-clock";
import { ReorderBuffer } from "@/recorder/pipeline/reorder-buffer";
import { KeyframeGate } from "@/recorder/pipeline/keyframe-gate";

const ntp = (seconds: number, fraction: number) => (BigInt(seconds) << 32n) | BigInt(fraction);

describe("rtp-clock", () => {
  it("converts NTP with the fraction as a binary fraction", () => {
    expect(ntpToSeconds(ntp(100, 0x80000000))).toBe(100.5);
    expect(ntpToSeconds(ntp(100, 0x40000000))).toBe(100.25);
    // werift 0.24.4 would read 0x80000000 = 2147483648 as "0.2147483648".
    expect(ntpToSeconds(ntp(3_900_000_000, 0xffffffff))).toBeCloseTo(3_900_000_001, 6);
    expect(ntpToUnixMs(ntp(NTP_UNIX_OFFSET_SECONDS + 1_700_000_000, 0x20000000))).toBe(1_700_000_000_125);
  });

  it("unwraps 32-bit timestamps across the wrap, forwards and for late values", () => {
    const u = new CounterUnwrapper(32);
    expect(u.unwrap(4_294_960_000)).toBe(4_294_960_000);
    expect(u.unwrap(2_000)).toBe(4_294_967_296 + 2_000);
    expect(u.unwrap(4_294_966_000)).toBe(4_294_966_000); // late packet from before the wrap
    expect(u.unwrap(5_000)).toBe(4_294_967_296 + 5_000);
  });

  it("unwraps 16-bit sequence numbers over several wraps", () => {
    const u = new CounterUnwrapper(16);
    let seq = 65_000;
    let last = u.unwrap(seq);
    for (let i = 0; i < 200_000; i += 100) {
      seq = (seq + 100) % 65_536;
      const v = u.unwrap(seq);
      expect(v).toBe(last + 100);
      last = v;
    }
  });

  it("maps RTP time to the sender's wall clock from sender reports, across a timestamp wrap", () => {
    const c = new RtpClock(90_000);
    c.unwrap(4_294_900_000);
    const base = NTP_UNIX_OFFSET_SECONDS + 1_700_000_000;
    c.onSenderReport(ntp(base, 0x80000000), 4_294_950_000);
    expect(c.toWallMs(c.unwrap(4_294_950_000))).toBe(1_700_000_000_500);
    // 90_000 ticks later, across the 32-bit wrap: one second later.
    const after = (4_294_950_000 + 90_000) % 4_294_967_296;
    expect(c.toWallMs(c.unwrap(after))).toBe(1_700_000_001_500);
    expect(new RtpClock(48_000).toWallMs(0)).toBeUndefined();
  });
});

describe("reorder-buffer", () => {
  function feed(buf: ReorderBuffer<number>, seqs: number[], t = 0) {
    const released: number[] = [];
    let lost = 0;
    for (const s of seqs) {
      const out = buf.push(s, s, t);
      released.push(...out.released);
      lost += out.lost;
    }
    return { released, lost };
  }

  it("releases in order despite reordering, across the 16-bit wrap", () => {
    const b = new ReorderBuffer<number>();
    const r = feed(b, [65_533, 65_535, 65_534, 1, 0, 2, 3]);
    expect(r.released).toEqual([65_533, 65_534, 65_535, 0, 1, 2, 3]);
    expect(r.lost).toBe(0);
  });

  it("waits for a gap, then gives it up after the time limit and reports the loss", () => {
    const b = new ReorderBuffer<number>({ maxWaitMs: 100 });
    expect(b.push(10, 10, 0).released).toEqual([10]);
    expect(b.push(12, 12, 10).released).toEqual([]);
    expect(b.push(13, 13, 20).released).toEqual([]);
    expect(b.poll(90).released).toEqual([]);
    const out = b.poll(120);
    expect(out).toEqual({ released: [12, 13], lost: 1, gaps: [{ before: 0, count: 1 }] });
    // The lost packet arriving now is too late and is dropped, never released out of order.
    expect(b.push(11, 11, 130).released).toEqual([]);
    expect(b.stats.late).toBe(1);
    expect(b.push(14, 14, 140).released).toEqual([14]);
  });

  it("gives a gap up when too many packets wait behind it", () => {
    const b = new ReorderBuffer<number>({ maxWaitMs: 10_000, maxPackets: 4 });
    feed(b, [1]);
    const r = feed(b, [3, 4, 5, 6]);
    expect(r).toEqual({ released: [3, 4, 5, 6], lost: 1 });
  });

  it("says where in the released packets each loss happened", () => {
    const b = new ReorderBuffer<number>({ maxWaitMs: 10_000 });
    feed(b, [1, 2]);
    // 3 and 6 missing: 4, 5, 7, 8 wait until the end of the stream.
    feed(b, [4, 5, 7, 8]);
    const out = b.drain();
    expect(out.released).toEqual([4, 5, 7, 8]);
    expect(out.gaps).toEqual([
      { before: 0, count: 1 },
      { before: 2, count: 1 },
    ]);
  });

  it("handles a loss right at the wrap", () => {
    const b = new ReorderBuffer<number>({ maxWaitMs: 50 });
    feed(b, [65_534]);
    feed(b, [0, 1], 0);
    const out = b.poll(60);
    expect(out).toEqual({ released: [0, 1], lost: 1, gaps: [{ before: 0, count: 1 }] });
    expect(b.push(2, 2, 70).released).toEqual([2]);
  });

  it("drops duplicates and drains the rest in order", () => {
    const b = new ReorderBuffer<number>();
    feed(b, [5, 7, 7, 5]);
    expect(b.stats).toMatchObject({ duplicate: 1, late: 1 });
    feed(b, [9, 8]);
    expect(b.drain()).toEqual({ released: [7, 8, 9], lost: 1, gaps: [{ before: 0, count: 1 }] });
  });

  it("never releases out of order under random shuffling and loss", () => {
    const b = new ReorderBuffer<number>({ maxWaitMs: 30 });
    const out: number[] = [];
    let t = 0;
    const seq = 60_000;
    const unwrapped: number[] = [];
    for (let i = 0; i < 20_000; i++) unwrapped.push(seq + i);
    // Shuffle locally (window 8) and drop ~2%.
    for (let i = 0; i < unwrapped.length; i += 8) {
      const chunk = unwrapped
        .slice(i, i + 8)
        .sort(() => Math.random() - 0.5)
        .filter(() => Math.random() > 0.02);
      for (const s of chunk) {
        t += 1;
        out.push(...b.push(s % 65_536, s, t).released);
      }
    }
    out.push(...b.drain().released);
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeGreaterThan(out[i - 1]);
    expect(out.length).toBeGreaterThan(19_000);
    expect(b.stats.released + b.stats.lost).toBe(out.at(-1)! - out[0] + 1);
  });
});

describe("keyframe-gate", () => {
  it("drops frames until a keyframe and asks for one, rate-limited", () => {
    let asks = 0;
    const g = new KeyframeGate(() => asks++, 1000);
    g.onStart(0);
    expect(asks).toBe(1);
    expect(g.admit({ isKeyframe: false }, 10)).toBe(false);
    expect(asks).toBe(1);
    expect(g.admit({ isKeyframe: false }, 1010)).toBe(false);
    expect(asks).toBe(2);
    expect(g.admit({ isKeyframe: true }, 1050)).toBe(true);
    expect(g.admit({ isKeyframe: false }, 1100)).toBe(true);
    g.onLoss(2500);
    expect(asks).toBe(3);
    expect(g.admit({ isKeyframe: false }, 2550)).toBe(false);
    expect(g.admit({ isKeyframe: true }, 2600)).toBe(true);
    expect(g.stats).toEqual({ dropped: 3, requests: 3 });
  });
});
