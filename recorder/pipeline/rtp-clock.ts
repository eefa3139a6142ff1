/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const TWO_POW_32 = 4_294_967_296;

/**
 * 64-bit NTP timestamp → seconds since 1900. The low word is a binary fraction of a second
 * (werift 0.24.4's ntpTime2Sec reads it as decimal digits, which is why we do not use it).
 */
export function ntpToSeconds(ntp: bigint): number {
  const seconds = Number(ntp >> 32n);
  const fraction = Number(ntp & 0xffffffffn);
  return seconds + fraction / TWO_POW_32;
}

export function ntpToUnixMs(ntp: bigint): number {
  return (ntpToSeconds(ntp) - NTP_UNIX_OFFSET_SECONDS) * 1000;
}

/** Extends a wrapping unsigned counter (32-bit RTP timestamps, 16-bit sequence numbers) to a monotonic-ish number. */
export class CounterUnwrapper {
  private last?: number;
  private readonly modulus: number;
  private readonly half: number;

  constructor(bits: 16 | 32) {
    this.modulus = 2 ** bits;
    this.half = this.modulus / 2;
  }

  /** Values within half the range of the last one are taken as near it, forwards or backwards. */
  unwrap(value: number): number {
    if (this.last === undefined) {
      this.last = value;
      return value;
    }
    const lastLow = ((this.last % this.modulus) + this.modulus) % this.modulus;
    let delta = value - lastLow;
    if (delta > this.half) delta -= this.modulus;
    else if (delta < -this.half) delta += this.modulus;
    const result = this.last + delta;
    // Only move the reference forwards, so a late packet does not drag later unwrapping back.
    if (delta > 0) this.last = result;
    return result;
  }

  /** Unwraps without moving the reference (for values from another source, e.g. sender reports). */
  peek(value: number): number {
    if (this.last === undefined) return value;
    const lastLow = ((this.last % this.modulus) + this.modulus) % this.modulus;
    let delta = value - lastLow;
    if (delta > this.half) delta -= this.modulus;
    else if (delta < -this.half) delta += this.modulus;
    return this.last + delta;
  }
}

export interface ClockMapping {
  /** Unwrapped RTP timestamp from the sender report. */
  rtp: number;
  /** Sender's wall clock (Unix ms) at that RTP time. */
  wallMs: number;
  /** Our wall clock when the report arrived. */
  receivedAtMs: number;
}

/** Maps a track's RTP time to the sender's wall clock using the latest RTCP sender report. */
export class RtpClock {
  readonly timestamps = new CounterUnwrapper(32);
  private mapping?: ClockMapping;

  constructor(readonly clockRate: number) {}

  unwrap(rtpTimestamp: number): number {
    return this.timestamps.unwrap(rtpTimestamp);
  }

  onSenderReport(ntp: bigint, rtpTimestamp: number, receivedAtMs = Date.now()): ClockMapping {
    this.mapping = { rtp: this.timestamps.peek(rtpTimestamp), wallMs: ntpToUnixMs(ntp), receivedAtMs };
    return this.mapping;
  }

  get latestMapping(): ClockMapping | undefined {
    return this.mapping;
  }

  /** Sender wall time (Unix ms) of an unwrapped RTP timestamp, once a sender report has arrived. */
  toWallMs(unwrappedRtp: number): number | undefined {
    if (!this.mapping) return undefined;
    return this.mapping.wallMs + ((unwrappedRtp - this.mapping.rtp) * 1000) / this.clockRate;
  }
}
