import { CounterUnwrapper } from "@/recorder/pipeline/rtp-clock";

export interface ReorderOutput<T> {
  /** Items in strictly increasing sequence order. */
  released: T[];
  /** Sequence numbers (unwrapped) given up on since the last output. */
  lost: number;
  /**
   * Where in `released` each loss happened (`before` = index of the first packet after it). A frame
   * assembler must apply a loss at its position: packets released before it are not affected.
   */
  gaps: { before: number; count: number }[];
}

export interface ReorderOptions {
  /** How long a gap may hold later packets back (NACK retransmissions arrive within ~1 RTT). */
  maxWaitMs?: number;
  /** How many packets may wait behind a gap before it is given up regardless of time. */
  maxPackets?: number;
}

/**
 * Orders packets by unwrapped 16-bit sequence number. Unlike werift's jitter buffer it never
 * releases out of order: a packet older than what was already released is dropped and counted.
 */
export class ReorderBuffer<T> {
  private readonly seqs = new CounterUnwrapper(16);
  private readonly waiting = new Map<number, { item: T; at: number }>();
  private next?: number;
  private gapSince?: number;
  private readonly maxWaitMs: number;
  private readonly maxPackets: number;
  readonly stats = { released: 0, lost: 0, late: 0, duplicate: 0 };

  constructor(opts: ReorderOptions = {}) {
    this.maxWaitMs = opts.maxWaitMs ?? 300;
    this.maxPackets = opts.maxPackets ?? 128;
  }

  push(sequenceNumber: number, item: T, nowMs: number): ReorderOutput<T> {
    const seq = this.seqs.unwrap(sequenceNumber);
    if (this.next === undefined) this.next = seq;
    if (seq < this.next) {
      this.stats.late++;
      return { released: [], lost: 0, gaps: [] };
    }
    if (this.waiting.has(seq)) {
      this.stats.duplicate++;
      return { released: [], lost: 0, gaps: [] };
    }
    this.waiting.set(seq, { item, at: nowMs });
    return this.poll(nowMs);
  }

  /** Call periodically so that a gap at the end of a burst is given up even if no packet follows. */
  poll(nowMs: number): ReorderOutput<T> {
    const out: ReorderOutput<T> = { released: [], lost: 0, gaps: [] };
    for (;;) {
      this.releaseContiguous(out);
      if (this.waiting.size === 0) {
        this.gapSince = undefined;
        return out;
      }
      this.gapSince ??= nowMs;
      const expired = nowMs - this.gapSince >= this.maxWaitMs;
      if (!expired && this.waiting.size < this.maxPackets) return out;
      // Skip to the oldest waiting packet; everything before it is lost.
      const oldest = Math.min(...this.waiting.keys());
      out.gaps.push({ before: out.released.length, count: oldest - this.next! });
      out.lost += oldest - this.next!;
      this.stats.lost += oldest - this.next!;
      this.next = oldest;
      this.gapSince = undefined;
    }
  }

  /** Releases everything still waiting, in order (end of stream). */
  drain(): ReorderOutput<T> {
    const out: ReorderOutput<T> = { released: [], lost: 0, gaps: [] };
    for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) {
      if (seq < this.next!) continue; // already released by releaseContiguous below
      if (seq > this.next!) out.gaps.push({ before: out.released.length, count: seq - this.next! });
      out.lost += seq - this.next!;
      this.stats.lost += seq - this.next!;
      this.next = seq;
      this.releaseContiguous(out);
    }
    return out;
  }

  private releaseContiguous(out: ReorderOutput<T>) {
    while (this.next !== undefined && this.waiting.has(this.next)) {
      out.released.push(this.waiting.get(this.next)!.item);
      this.waiting.delete(this.next);
      this.next++;
      this.stats.released++;
      this.gapSince = undefined;
    }
  }
}
