import type { TimeSpan } from "@/lib/compositing/timeline";

/** Maps wall-clock times to output times through the kept spans. */
export class SpanMap {
  readonly spans: (TimeSpan & { outFromMs: number })[];
  readonly durationMs: number;

  constructor(range: TimeSpan, spans: TimeSpan[] = [range]) {
    let out = 0;
    this.spans = [...spans]
      .sort((a, b) => a.fromMs - b.fromMs)
      .map((s) => ({ fromMs: Math.max(s.fromMs, range.fromMs), toMs: Math.min(s.toMs, range.toMs) }))
      .filter((s) => s.toMs > s.fromMs)
      .map((s) => {
        const mapped = { ...s, outFromMs: out };
        out += s.toMs - s.fromMs;
        return mapped;
      });
    this.durationMs = out;
  }

  /** The parts of the wall interval [fromMs, toMs) inside spans, each with where it lands in output time. */
  pieces(fromMs: number, toMs: number): { wallFromMs: number; outFromMs: number; lengthMs: number }[] {
    return this.spans
      .map((s) => ({ s, a: Math.max(fromMs, s.fromMs), b: Math.min(toMs, s.toMs) }))
      .filter(({ a, b }) => b > a)
      .map(({ s, a, b }) => ({ wallFromMs: a, outFromMs: s.outFromMs + a - s.fromMs, lengthMs: b - a }));
  }

  /** Output intervals covered by the wall interval [fromMs, toMs), merged where they touch. */
  mapInterval(fromMs: number, toMs: number): TimeSpan[] {
    const result: TimeSpan[] = [];
    for (const p of this.pieces(fromMs, toMs)) {
      const span = { fromMs: p.outFromMs, toMs: p.outFromMs + p.lengthMs };
      const last = result.at(-1);
      if (last && last.toMs === span.fromMs) last.toMs = span.toMs;
      else result.push(span);
    }
    return result;
  }

  /** Output time of a wall instant; an instant inside a pause maps to the next span's start; undefined past the end. */
  mapInstant(atMs: number): number | undefined {
    for (const s of this.spans) {
      if (atMs < s.fromMs) return s.outFromMs;
      if (atMs < s.toMs) return s.outFromMs + atMs - s.fromMs;
    }
    return undefined;
  }
}
