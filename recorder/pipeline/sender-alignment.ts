/**
 * Places a track's file time 0 on the recorder's clock from RTCP sender reports.
 *
 * First-packet arrival (`mediaZeroMs`) is late by the sender's encoder, pacer and our event loop,
 * and the sender's NTP clock (`mediaZeroNtpMs`) may be off from ours by seconds. Each SR says "RTP
 * time r is sender time n" and arrives at our time a; `a - n` is the one-way delay plus the clock
 * offset, and its minimum over the SRs seen is the best-case delay plus the offset (queueing only
 * ever adds). So `mediaZeroNtpMs + transitMs` = the capture instant of file time 0 on our clock,
 * plus the best-case delay, whatever the sender's clock says.
 */
export interface SenderReportSample {
  /** Unwrapped RTP timestamp of the report. */
  rtp: number;
  /** Sender's clock (Unix ms) at that RTP time. */
  ntpUnixMs: number;
  /** Our clock when the report arrived. */
  arrivalMs: number;
}

export interface AlignmentEstimate {
  /** Sender's clock at the file's time 0, from the report with the least transit. */
  mediaZeroNtpMs: number;
  /** min(arrivalMs - ntpUnixMs) over the reports seen: best-case one-way delay plus clock offset. */
  transitMs: number;
  /** File time 0 on the recorder's clock: `mediaZeroNtpMs + transitMs`. */
  alignedZeroMs: number;
}

/** Only a gain of at least this much is worth another manifest line. */
const MIN_IMPROVEMENT_MS = 0.5;

export class SenderAlignment {
  private best?: SenderReportSample & { transitMs: number };
  private emittedTransitMs?: number;

  constructor(private readonly clockRate: number) {}

  /** Records a report; returns true when it lowered the best transit. */
  addReport(sr: SenderReportSample): boolean {
    const transitMs = sr.arrivalMs - sr.ntpUnixMs;
    if (this.best && transitMs >= this.best.transitMs) return false;
    this.best = { ...sr, transitMs };
    return true;
  }

  /**
   * The estimate for a track whose file time 0 is RTP `originRtp`, when it is better than the last
   * one taken (or the first); undefined when there is nothing new to say.
   */
  takeImproved(originRtp: number | undefined): AlignmentEstimate | undefined {
    if (originRtp === undefined || !this.best) return undefined;
    if (this.emittedTransitMs !== undefined && this.best.transitMs > this.emittedTransitMs - MIN_IMPROVEMENT_MS) return undefined;
    this.emittedTransitMs = this.best.transitMs;
    return this.estimate(originRtp);
  }

  estimate(originRtp: number): AlignmentEstimate | undefined {
    if (!this.best) return undefined;
    // The same report's own mapping for both terms, so sender clock drift between reports cannot mix in.
    const mediaZeroNtpMs = this.best.ntpUnixMs - ((this.best.rtp - originRtp) * 1000) / this.clockRate;
    return {
      mediaZeroNtpMs: round1(mediaZeroNtpMs),
      transitMs: round1(this.best.transitMs),
      alignedZeroMs: round1(mediaZeroNtpMs + this.best.transitMs),
    };
  }
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;
