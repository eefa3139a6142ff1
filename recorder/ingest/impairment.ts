/**
 * Simulated network trouble on the recorder's receive path, for tests and the bench. It sits on
 * the ICE connection's incoming data, i.e. before werift's SRTP decryption and NACK generator, so
 * the NACKs werift sends and the retransmissions the sender answers with are real.
 */
export interface ReceiveImpairment {
  /** Fraction (0..1) of incoming RTP packets dropped. */
  lossRate?: number;
  /** Fraction (0..1) of incoming RTP packets held back by a random delay, which reorders them. */
  reorderRate?: number;
  /** Delay range for held-back packets, ms (default 20..80). */
  delayMs?: [number, number];
  /** Deterministic runs: a seed for the pseudo-random choices. */
  seed?: number;
}

export interface ImpairmentCounters {
  seen: number;
  dropped: number;
  delayed: number;
  /** RTP packets seen per payload type (the header is not encrypted): shows whether RTX is in use. */
  byPayloadType: Record<number, number>;
}

/** RTP, not RTCP (RFC 5761 §4: RTCP packet types 192..223 sit where RTP's marker+payload type is). */
function isRtp(data: Buffer): boolean {
  if (data.length < 12 || data[0] < 128 || data[0] > 191) return false;
  const pt = data[1];
  return pt < 192 || pt > 223;
}

/** Mulberry32: a small seeded generator, so a failing impaired run can be repeated. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface IncomingEvent {
  execute: (...args: unknown[]) => void;
}

/**
 * Wraps werift's ICE connection `onData` event (an object with `execute`) so every subscriber —
 * the DTLS transport's SRTP path included — sees the impaired stream. Returns the counters.
 */
export function impairIncoming(onData: IncomingEvent, opts: ReceiveImpairment): ImpairmentCounters {
  const counters: ImpairmentCounters = { seen: 0, dropped: 0, delayed: 0, byPayloadType: {} };
  const rand = mulberry32(opts.seed ?? Date.now());
  const [minDelay, maxDelay] = opts.delayMs ?? [20, 80];
  const deliver = onData.execute.bind(onData);
  const timers = new Set<NodeJS.Timeout>();
  onData.execute = (...args: unknown[]) => {
    const data = args[0];
    if (!Buffer.isBuffer(data) || !isRtp(data)) return deliver(...args);
    counters.seen++;
    const pt = data[1] & 0x7f;
    counters.byPayloadType[pt] = (counters.byPayloadType[pt] ?? 0) + 1;
    if (rand() < (opts.lossRate ?? 0)) {
      counters.dropped++;
      return;
    }
    if (rand() < (opts.reorderRate ?? 0)) {
      counters.delayed++;
      const t = setTimeout(
        () => {
          timers.delete(t);
          deliver(...args);
        },
        minDelay + rand() * (maxDelay - minDelay),
      );
      timers.add(t);
      return;
    }
    deliver(...args);
  };
  return counters;
}
