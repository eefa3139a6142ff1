// Writing ISO BMFF boxes (ISO/IEC 14496-12): plain and full boxes, and the sample-table boxes of a regular
// (non-fragmented) track, each in its smallest valid form.

const U32_MAX = 0xffffffff;

export function box(type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, ...payload]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...payload);
}

/** Big-endian 32-bit words (values ≥ 0 unsigned, < 0 as two's complement). */
export function u32s(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0) out.writeInt32BE(v, i * 4);
    else out.writeUInt32BE(v, i * 4);
  }
  return out;
}

export function u64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

/** Whether a duration or offset needs a version-1 (64-bit) field. */
export const needs64 = (value: number) => value > U32_MAX;

/** Consecutive equal values as [count, value] pairs. */
export function runs(values: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < values.length; i++) {
    const last = out.at(-1);
    if (last && last[1] === values[i]) last[0]++;
    else out.push([1, values[i]!]);
  }
  return out;
}

/** Decoding time to sample: run-length of sample durations. */
export function stts(durations: ArrayLike<number>): Buffer {
  const r = runs(durations);
  return fullBox("stts", 0, 0, u32s([r.length]), u32s(r.flat()));
}

/** Composition time to sample; null when every offset is zero (the box is then optional). */
export function ctts(offsets: ArrayLike<number>): Buffer | null {
  const r = runs(offsets);
  if (r.length === 1 && r[0]![1] === 0) return null;
  // Version 1 makes the offsets signed; version 0 readers would see a negative one as a huge positive.
  const negative = r.some(([, v]) => v < 0);
  return fullBox("ctts", negative ? 1 : 0, 0, u32s([r.length]), u32s(r.flat()));
}

/** Sync samples (1-based); null when every sample is sync (no stss means all are). */
export function stss(sync: ArrayLike<boolean>): Buffer | null {
  const numbers: number[] = [];
  for (let i = 0; i < sync.length; i++) if (sync[i]) numbers.push(i + 1);
  if (numbers.length === sync.length) return null;
  return fullBox("stss", 0, 0, u32s([numbers.length]), u32s(numbers));
}

export function stsz(sizes: ArrayLike<number>): Buffer {
  const uniform = sizes.length > 0 && runs(sizes).length === 1;
  if (uniform) return fullBox("stsz", 0, 0, u32s([sizes[0]!, sizes.length]));
  return fullBox("stsz", 0, 0, u32s([0, sizes.length]), u32s(sizes));
}

/** Sample to chunk: one entry per run of chunks with the same sample count, all of sample description 1. */
export function stsc(samplesPerChunk: ArrayLike<number>): Buffer {
  const entries: number[] = [];
  let firstChunk = 1;
  for (const [count, samples] of runs(samplesPerChunk)) {
    entries.push(firstChunk, samples, 1);
    firstChunk += count;
  }
  return fullBox("stsc", 0, 0, u32s([entries.length / 3]), u32s(entries));
}

/** Chunk offsets: stco while every offset fits 32 bits, co64 otherwise. */
export function chunkOffsets(offsets: ArrayLike<number>, forceCo64 = false): Buffer {
  let large = forceCo64;
  for (let i = 0; i < offsets.length && !large; i++) large = needs64(offsets[i]!);
  if (!large) return fullBox("stco", 0, 0, u32s([offsets.length]), u32s(offsets));
  const table = Buffer.alloc(offsets.length * 8);
  for (let i = 0; i < offsets.length; i++) table.writeBigUInt64BE(BigInt(offsets[i]!), i * 8);
  return fullBox("co64", 0, 0, u32s([offsets.length]), table);
}

/** An mdat header in the 64-bit (largesize) form, whatever the payload's size: the header's length is then known before it. */
export function mdatHeader(payloadBytes: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(1, 0);
  out.write("mdat", 4, "latin1");
  out.writeBigUInt64BE(BigInt(16 + payloadBytes), 8);
  return out;
}

/** A free box of exactly `bytes` (≥ 8). */
export function freeBox(bytes: number): Buffer {
  if (bytes < 8) throw new RangeError(`a free box is at least 8 bytes, not ${bytes}`);
  return box("free", Buffer.alloc(bytes - 8));
}

/**
 * A whole mvhd / mdhd / tkhd box (8-byte header) with another duration, version 1 when it or the times need 64 bits. `middle`: the bytes
 * between modification_time and duration (timescale, or track_ID + reserved).
 */
export function withDuration(full: Buffer, middle: number, duration: number): Buffer {
  const type = full.toString("latin1", 4, 8);
  const v1 = full[8] === 1;
  const flags = full.readUInt32BE(8) & 0xffffff;
  const body = full.subarray(12);
  const time = (i: number) => (v1 ? Number(body.readBigUInt64BE(i * 8)) : body.readUInt32BE(i * 4));
  const times = [time(0), time(1)];
  const tw = v1 ? 8 : 4;
  const mid = body.subarray(2 * tw, 2 * tw + middle);
  const rest = body.subarray(3 * tw + middle);
  if (v1 || needs64(duration) || times.some(needs64)) {
    return fullBox(type, 1, flags, u64(times[0]!), u64(times[1]!), mid, u64(duration), rest);
  }
  return fullBox(type, 0, flags, u32s(times), mid, u32s([duration]), rest);
}

/** An edts with one elst entry per edit (media_time -1: an empty edit). */
export function editList(entries: { duration: number; mediaTime: number }[]): Buffer {
  const v1 = entries.some((e) => needs64(e.duration) || needs64(Math.abs(e.mediaTime)));
  const body = entries.map((e) => {
    const out = Buffer.alloc(v1 ? 20 : 12);
    if (v1) {
      out.writeBigUInt64BE(BigInt(e.duration), 0);
      out.writeBigInt64BE(BigInt(e.mediaTime), 8);
    } else {
      out.writeUInt32BE(e.duration, 0);
      out.writeInt32BE(e.mediaTime, 4);
    }
    out.writeUInt32BE(0x00010000, v1 ? 16 : 8);
    return out;
  });
  return box("edts", fullBox("elst", v1 ? 1 : 0, 0, u32s([entries.length]), ...body));
}
