// A live recording's fragments (one init segment, then moof + mdat pairs per window) as a regular faststart MP4
// without remuxing them: the samples' bytes stay where the mdats have them, in order, so they can be uploaded while
// the call runs (as the later parts of a multipart upload); at Stop only the header (ftyp + a moov whose sample
// tables index those bytes + an mdat header) is written. `header ++ every mdat payload in order` is the movie.
import { type Box, boxesIn, children } from "@/server/recordings/live/fmp4";
import {
  box,
  chunkOffsets,
  editList,
  ctts,
  freeBox,
  mdatHeader,
  needs64,
  stsc,
  stss,
  stsz,
  stts,
  withDuration,
} from "@/server/recordings/live/mp4-box-writer";

/** Byte ranges [start, end) of a fragment buffer that hold sample data (every mdat's payload), in order. */
export function mdatPayloadRanges(fragment: Buffer): { start: number; end: number }[] {
  return boxesIn(fragment, 0, fragment.length)
    .filter((b) => b.type === "mdat")
    .map((b) => ({ start: b.start + (fragment.readUInt32BE(b.start) === 1 ? 16 : 8), end: b.start + b.size }));
}

export interface TrackSamples {
  trackId: number;
  timescale: number;
  sizes: number[];
  /** Decode-time deltas, in the track's timescale. */
  durations: number[];
  compositionOffsets: number[];
  sync: boolean[];
  /** One chunk per trun: where its samples start in the concatenated mdat payloads, and how many there are. */
  chunks: { position: number; samples: number }[];
  /** The first fragment's decode time: the track starts that late on the movie's time line. */
  firstDecodeTime: number;
  /** The decode time just after the last sample (firstDecodeTime + every duration). */
  decodeEnd: number;
  defaults: { duration: number; size: number; flags: number };
}

const find = (within: Box[], type: string) => within.find((b) => b.type === type);
const findPath = (buf: Buffer, from: Box | undefined, ...types: string[]): Box | undefined =>
  types.reduce<Box | undefined>((at, t) => (at ? find(children(buf, at), t) : undefined), from);
const isNonSync = (flags: number) => ((flags >>> 16) & 1) === 1;

/** Per-track sample tables of a recording's fragments, fed window by window in order. */
export class SampleTables {
  readonly tracks = new Map<number, TrackSamples>();
  /** Bytes of mdat payload seen so far: where the next fragment's sample data starts in the movie's mdat. */
  payloadBytes = 0;

  constructor(init: Buffer) {
    const moov = find(boxesIn(init, 0, init.length), "moov");
    if (!moov) throw new Error("init segment without a moov");
    const trex = new Map<number, TrackSamples["defaults"]>();
    for (const t of children(init, findPath(init, moov, "mvex") ?? moov).filter((b) => b.type === "trex")) {
      const at = t.start + 16;
      trex.set(init.readUInt32BE(t.start + 12), {
        duration: init.readUInt32BE(at + 4),
        size: init.readUInt32BE(at + 8),
        flags: init.readUInt32BE(at + 12),
      });
    }
    for (const trak of children(init, moov).filter((b) => b.type === "trak")) {
      const tkhd = findPath(init, trak, "tkhd")!;
      const mdhd = findPath(init, trak, "mdia", "mdhd")!;
      const trackId = init.readUInt32BE(tkhd.start + (init[tkhd.start + 8] === 1 ? 28 : 20));
      const timescale = init.readUInt32BE(mdhd.start + (init[mdhd.start + 8] === 1 ? 28 : 20));
      this.tracks.set(trackId, {
        trackId,
        timescale,
        sizes: [],
        durations: [],
        compositionOffsets: [],
        sync: [],
        chunks: [],
        firstDecodeTime: 0,
        decodeEnd: 0,
        defaults: trex.get(trackId) ?? { duration: 0, size: 0, flags: 0 },
      });
    }
  }

  /**
   * One window's media (moof + mdat pairs), in recording order. A fragment that throws may have been read in part:
   * the tables are then not a movie's any more (start again from the stored segments).
   */
  add(fragment: Buffer): void {
    const top = boxesIn(fragment, 0, fragment.length);
    let position = this.payloadBytes;
    const mdats = mdatPayloadRanges(fragment).map((r) => {
      const m = { ...r, position };
      position += r.end - r.start;
      return m;
    });
    for (const moof of top.filter((b) => b.type === "moof")) {
      // Without an explicit base, a traf's data follows the previous traf's (ISO/IEC 14496-12 8.8.7).
      let previousTrafEnd = moof.start;
      for (const traf of children(fragment, moof).filter((b) => b.type === "traf")) {
        previousTrafEnd = this.readTraf(fragment, moof, traf, previousTrafEnd, mdats);
      }
    }
    this.payloadBytes = position;
  }

  private readTraf(buf: Buffer, moof: Box, traf: Box, previousTrafEnd: number, mdats: { start: number; end: number; position: number }[]) {
    const parts = children(buf, traf);
    const tfhd = find(parts, "tfhd");
    if (!tfhd) throw new Error("malformed MP4: a track fragment without tfhd");
    const flags = buf.readUInt32BE(tfhd.start + 8) & 0xffffff;
    const track = this.tracks.get(buf.readUInt32BE(tfhd.start + 12));
    if (!track) throw new Error("malformed MP4: a track fragment of a track the init does not declare");
    let at = tfhd.start + 16;
    // An explicit base_data_offset counts from the start of the buffer given (the file it was written in is gone).
    const explicitBase = flags & 0x1 ? Number(buf.readBigUInt64BE(at)) : null;
    if (flags & 0x1) at += 8;
    if (flags & 0x2) at += 4;
    const defaults = { ...track.defaults };
    if (flags & 0x8) defaults.duration = buf.readUInt32BE(at);
    if (flags & 0x8) at += 4;
    if (flags & 0x10) defaults.size = buf.readUInt32BE(at);
    if (flags & 0x10) at += 4;
    if (flags & 0x20) defaults.flags = buf.readUInt32BE(at);
    const base = explicitBase ?? (flags & 0x020000 ? moof.start : previousTrafEnd);

    const tfdt = find(parts, "tfdt");
    if (tfdt) {
      const t = Number(buf[tfdt.start + 8] === 1 ? buf.readBigUInt64BE(tfdt.start + 12) : BigInt(buf.readUInt32BE(tfdt.start + 12)));
      if (track.sizes.length === 0) track.firstDecodeTime = track.decodeEnd = t;
      else if (t !== track.decodeEnd) {
        // The last sample lasts until the next fragment starts: tfdt is the exact time line, trun durations a guess.
        const last = track.durations.length - 1;
        const corrected = track.durations[last]! + t - track.decodeEnd;
        if (corrected < 0) throw new Error(`fragments of track ${track.trackId} overlap (tfdt ${t} < ${track.decodeEnd})`);
        track.durations[last] = corrected;
        track.decodeEnd = t;
      }
    }

    let dataEnd = base;
    for (const trun of parts.filter((b) => b.type === "trun")) {
      const signed = buf[trun.start + 8] === 1;
      const tflags = buf.readUInt32BE(trun.start + 8) & 0xffffff;
      const count = buf.readUInt32BE(trun.start + 12);
      let p = trun.start + 16;
      const dataStart = tflags & 0x1 ? base + buf.readInt32BE(p) : dataEnd;
      if (tflags & 0x1) p += 4;
      const firstFlags = tflags & 0x4 ? buf.readUInt32BE(p) : null;
      if (tflags & 0x4) p += 4;
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const duration = tflags & 0x100 ? buf.readUInt32BE(p) : defaults.duration;
        if (tflags & 0x100) p += 4;
        const size = tflags & 0x200 ? buf.readUInt32BE(p) : defaults.size;
        if (tflags & 0x200) p += 4;
        const sampleFlags = tflags & 0x400 ? buf.readUInt32BE(p) : i === 0 && firstFlags !== null ? firstFlags : defaults.flags;
        if (tflags & 0x400) p += 4;
        const offset = tflags & 0x800 ? (signed ? buf.readInt32BE(p) : buf.readUInt32BE(p)) : 0;
        if (tflags & 0x800) p += 4;
        track.sizes.push(size);
        track.durations.push(duration);
        track.compositionOffsets.push(offset);
        track.sync.push(!isNonSync(sampleFlags));
        track.decodeEnd += duration;
        bytes += size;
      }
      if (p > trun.start + trun.size) throw new Error("malformed MP4: a trun shorter than its sample count");
      dataEnd = dataStart + bytes;
      if (count === 0) continue;
      const mdat = mdats.find((m) => dataStart >= m.start && dataEnd <= m.end);
      if (!mdat) throw new Error(`a trun's samples (bytes ${dataStart}-${dataEnd}) are not inside one mdat of their fragment`);
      track.chunks.push({ position: mdat.position + dataStart - mdat.start, samples: count });
    }
    return dataEnd;
  }
}

/** The sample tables of an init segment and every window's media, in order. */
export function collectSamples(init: Buffer, fragments: Iterable<Buffer>): SampleTables {
  const tables = new SampleTables(init);
  for (const f of fragments) tables.add(f);
  return tables;
}

/** The init's edit list's media_time (the video's composition delay, B-frames), or null without one. */
function editMediaTime(buf: Buffer, trak: Box): number | null {
  const elst = findPath(buf, trak, "edts", "elst");
  if (!elst) return null;
  const v1 = buf[elst.start + 8] === 1;
  const count = buf.readUInt32BE(elst.start + 12);
  for (let i = 0, at = elst.start + 16; i < count; i++, at += v1 ? 20 : 12) {
    const mediaTime = v1 ? Number(buf.readBigInt64BE(at + 8)) : buf.readInt32BE(at + 4);
    if (mediaTime !== -1) return mediaTime;
  }
  return null;
}

/** The stbl boxes that do not depend on where the mdat lands, per track: built once per header. */
type TableCache = Map<number, Buffer[]>;

function sampleTable(buf: Buffer, stbl: Box, track: TrackSamples, at: { offsetBase: number; co64: boolean; cache: TableCache }): Buffer {
  let fixed = at.cache.get(track.trackId);
  if (!fixed) {
    const stsd = find(children(buf, stbl), "stsd");
    if (!stsd) throw new Error(`track ${track.trackId} has no sample description`);
    const boxes = [
      buf.subarray(stsd.start, stsd.start + stsd.size),
      stts(track.durations),
      ctts(track.compositionOffsets),
      stss(track.sync),
      stsz(track.sizes),
      stsc(track.chunks.map((c) => c.samples)),
    ];
    fixed = boxes.filter((b): b is Buffer => b !== null);
    at.cache.set(track.trackId, fixed);
  }
  const offsets = track.chunks.map((c) => at.offsetBase + c.position);
  return box("stbl", ...fixed, chunkOffsets(offsets, at.co64));
}

function regularMoov(buf: Buffer, moov: Box, tables: SampleTables, at: { offsetBase: number; co64: boolean; cache: TableCache }): Buffer {
  const top = children(buf, moov);
  const mvhd = find(top, "mvhd")!;
  const movieScale = buf.readUInt32BE(mvhd.start + (buf[mvhd.start + 8] === 1 ? 28 : 20));
  const toMovie = (t: number, scale: number) => Math.round((t * movieScale) / scale);
  let movieDuration = 0;
  const rebuilt = new Map<Box, Buffer>();
  for (const trak of top.filter((b) => b.type === "trak")) {
    const tkhd = find(children(buf, trak), "tkhd")!;
    const track = tables.tracks.get(buf.readUInt32BE(tkhd.start + (buf[tkhd.start + 8] === 1 ? 28 : 20)))!;
    const mediaDuration = track.decodeEnd - track.firstDecodeTime;
    const edits: { duration: number; mediaTime: number }[] = [];
    if (track.firstDecodeTime > 0) edits.push({ duration: toMovie(track.firstDecodeTime, track.timescale), mediaTime: -1 });
    const mediaTime = editMediaTime(buf, trak);
    if (mediaTime !== null || edits.length) edits.push({ duration: toMovie(mediaDuration, track.timescale), mediaTime: mediaTime ?? 0 });
    const trackDuration = edits.reduce((n, e) => n + e.duration, 0) || toMovie(mediaDuration, track.timescale);
    movieDuration = Math.max(movieDuration, trackDuration);
    const rewrite = (parent: Box): Buffer[] =>
      children(buf, parent).flatMap((b): Buffer[] => {
        if (b.type === "tkhd") return [withDuration(buf.subarray(b.start, b.start + b.size), 8, trackDuration)];
        if (b.type === "edts") return [];
        if (b.type === "mdhd") return [withDuration(buf.subarray(b.start, b.start + b.size), 4, mediaDuration)];
        if (b.type === "stbl") return [sampleTable(buf, b, track, at)];
        if (b.type === "mdia" || b.type === "minf") return [box(b.type, ...rewrite(b))];
        return [buf.subarray(b.start, b.start + b.size)];
      });
    const inner = rewrite(trak);
    // edts goes right after tkhd (where the init had it, if it did).
    rebuilt.set(trak, box("trak", inner[0]!, ...(edits.length ? [editList(edits)] : []), ...inner.slice(1)));
  }
  const parts = top
    .filter((b) => b.type !== "mvex")
    .map((b) =>
      b === mvhd
        ? withDuration(buf.subarray(b.start, b.start + b.size), 4, movieDuration)
        : (rebuilt.get(b) ?? buf.subarray(b.start, b.start + b.size)),
    );
  return box("moov", ...parts);
}

/**
 * ftyp + moov + free padding (so the header is at least `minBytes`, e.g. S3's 5 MiB minimum part) + the mdat
 * header, for the mdat payloads of every fragment given to `tables`, in order, to follow it.
 */
export function faststartHeader(init: Buffer, tables: SampleTables, o: { minBytes?: number } = {}): Buffer {
  const top = boxesIn(init, 0, init.length);
  const ftyp = find(top, "ftyp");
  const moov = find(top, "moov");
  if (!ftyp || !moov) throw new Error("init segment without ftyp or moov");
  const ftypBytes = init.subarray(ftyp.start, ftyp.start + ftyp.size);
  const lastPosition = Math.max(0, ...[...tables.tracks.values()].map((t) => t.chunks.at(-1)?.position ?? 0));
  const cache: TableCache = new Map();
  const layout = (co64: boolean) => {
    // The moov's length depends on the offsets' width only, not their values.
    const bare = ftypBytes.length + regularMoov(init, moov, tables, { offsetBase: 0, co64, cache }).length + 16;
    const gap = (o.minBytes ?? 0) - bare;
    const padding = gap <= 0 ? 0 : Math.max(8, gap);
    return { headerBytes: bare + padding, padding };
  };
  const co64 = needs64(layout(false).headerBytes + lastPosition);
  const l = layout(co64);
  const parts = [ftypBytes, regularMoov(init, moov, tables, { offsetBase: l.headerBytes, co64, cache })];
  if (l.padding) parts.push(freeBox(l.padding));
  parts.push(mdatHeader(tables.payloadBytes));
  return Buffer.concat(parts);
}
