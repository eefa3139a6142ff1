// Just enough ISO BMFF to turn ffmpeg's per-window fragmented MP4s into one HLS stream: split the init (ftyp +
// moov) from the media (moof + mdat pairs), and move a window's fragments to its place on the recording's time
// line by rewriting each track fragment's decode time (tfdt). ffmpeg starts every file at 0 whatever
// -output_ts_offset says, so the shift is done here, in each track's own timescale read from its moov.

export interface Box {
  type: string;
  start: number;
  size: number;
}

export function boxesIn(buf: Buffer, from: number, to: number): Box[] {
  const out: Box[] = [];
  for (let at = from; at + 8 <= to; ) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    else if (size === 0) size = to - at;
    if (size < 8 || at + size > to) throw new Error(`malformed MP4: box ${type} at ${at} runs past its parent`);
    out.push({ type, start: at, size });
    at += size;
  }
  return out;
}

export const children = (buf: Buffer, b: Box) => boxesIn(buf, b.start + 8, b.start + b.size);

export interface SplitFragments {
  /** ftyp + moov: the same decoder configuration for every window of a recording (see avcDecoderConfig). */
  init: Buffer;
  /** moof + mdat pairs, in order. */
  media: Buffer;
  /** track_ID → timescale, from the moov. */
  timescales: Map<number, number>;
}

export function splitFragmentedMp4(buf: Buffer): SplitFragments {
  const top = boxesIn(buf, 0, buf.length);
  const pick = (types: string[]) =>
    Buffer.concat(top.filter((b) => types.includes(b.type)).map((b) => buf.subarray(b.start, b.start + b.size)));
  const moov = top.find((b) => b.type === "moov");
  if (!moov || !top.some((b) => b.type === "moof")) throw new Error("not a fragmented MP4 (no moov or no moof)");
  const timescales = new Map<number, number>();
  for (const trak of children(buf, moov).filter((b) => b.type === "trak")) {
    const parts = children(buf, trak);
    const tkhd = parts.find((b) => b.type === "tkhd");
    const mdhd = parts
      .filter((b) => b.type === "mdia")
      .flatMap((m) => children(buf, m))
      .find((b) => b.type === "mdhd");
    if (!tkhd || !mdhd) continue;
    const v1 = (box: Box) => buf[box.start + 8] === 1;
    const trackId = buf.readUInt32BE(tkhd.start + (v1(tkhd) ? 28 : 20));
    timescales.set(trackId, buf.readUInt32BE(mdhd.start + (v1(mdhd) ? 28 : 20)));
  }
  return { init: pick(["ftyp", "moov"]), media: pick(["moof", "mdat"]), timescales };
}

/** Adds `offsetMs` to every track fragment's decode time (in place on a copy) and returns the copy. */
export function shiftFragments(media: Buffer, timescales: Map<number, number>, offsetMs: number): Buffer {
  const out = Buffer.from(media);
  for (const moof of boxesIn(out, 0, out.length).filter((b) => b.type === "moof")) {
    for (const traf of children(out, moof).filter((b) => b.type === "traf")) {
      const parts = children(out, traf);
      const tfhd = parts.find((b) => b.type === "tfhd");
      const tfdt = parts.find((b) => b.type === "tfdt");
      if (!tfhd || !tfdt) throw new Error("malformed MP4: a track fragment without tfhd or tfdt");
      const scale = timescales.get(out.readUInt32BE(tfhd.start + 12));
      if (!scale) throw new Error("malformed MP4: a track fragment of a track the moov does not declare");
      const shift = BigInt(Math.round((offsetMs * scale) / 1000));
      if (out[tfdt.start + 8] === 1) out.writeBigUInt64BE(out.readBigUInt64BE(tfdt.start + 12) + shift, tfdt.start + 12);
      else {
        const next = BigInt(out.readUInt32BE(tfdt.start + 12)) + shift;
        if (next > 0xffffffffn) throw new Error("tfdt version 0 overflows: the muxer must write version 1");
        out.writeUInt32BE(Number(next), tfdt.start + 12);
      }
    }
  }
  return out;
}

/** ADTS frames of a raw AAC stream, in order (frame length from each header). */
export function adtsFrames(buf: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  for (let at = 0; at + 7 <= buf.length; ) {
    if (buf[at] !== 0xff || (buf[at + 1]! & 0xf0) !== 0xf0) throw new Error(`not an ADTS frame at byte ${at}`);
    const length = ((buf[at + 3]! & 0x03) << 11) | (buf[at + 4]! << 3) | (buf[at + 5]! >> 5);
    if (length < 7 || at + length > buf.length) throw new Error(`truncated ADTS frame at byte ${at}`);
    frames.push(buf.subarray(at, at + length));
    at += length;
  }
  return frames;
}

/**
 * The video track's decoder configuration (the avcC box: profile, level, SPS and PPS) of an init segment; null when
 * there is none. Windows must agree on it to play after one init segment; the rest of the moov may differ between
 * windows (the esds carries each window's own audio bitrate) without consequence.
 */
export function avcDecoderConfig(init: Buffer): Buffer | null {
  const find = (within: Box[], type: string) => within.find((b) => b.type === type);
  const moov = find(boxesIn(init, 0, init.length), "moov");
  for (const trak of moov ? children(init, moov).filter((b) => b.type === "trak") : []) {
    const mdia = find(children(init, trak), "mdia");
    const minf = mdia && find(children(init, mdia), "minf");
    const table = minf && find(children(init, minf), "stbl");
    const stsd = table && find(children(init, table), "stsd");
    // stsd: full box header (4) and entry count (4) before its entries.
    const avc1 = stsd && boxesIn(init, stsd.start + 16, stsd.start + stsd.size).find((b) => b.type === "avc1" || b.type === "avc3");
    // A visual sample entry has 78 bytes of fields before its child boxes.
    const avcC = avc1 && boxesIn(init, avc1.start + 86, avc1.start + avc1.size).find((b) => b.type === "avcC");
    if (avcC) return init.subarray(avcC.start, avcC.start + avcC.size);
  }
  return null;
}
