// Just enough EBML (RFC 8794) reading to walk a Matroska file's top-level elements and clusters.

export const MKV = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Info: 0x1549a966,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  Cues: 0x1c53bb6b,
  Chapters: 0x1043a770,
  Tags: 0x1254c367,
  Attachments: 0x1941a469,
  Void: 0xec,
  CRC32: 0xbf,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
} as const;

/** Elements that may sit directly in a Segment; anything else there means we are reading garbage. */
export const SEGMENT_CHILDREN: ReadonlySet<number> = new Set([
  MKV.SeekHead,
  MKV.Info,
  MKV.Tracks,
  MKV.Cluster,
  MKV.Cues,
  MKV.Chapters,
  MKV.Tags,
  MKV.Attachments,
  MKV.Void,
  MKV.CRC32,
]);

export interface ElementHeader {
  id: number;
  /** null: unknown size (all value bits set). */
  size: number | null;
  /** Bytes of ID + size field. */
  headerLength: number;
  /** Length of the size field alone (where a patch must fit). */
  sizeLength: number;
}

function vintLength(first: number): number {
  for (let len = 1; len <= 8; len++) if (first & (0x80 >> (len - 1))) return len;
  return 0; // 0x00: invalid
}

/** Reads an element header at `at`; undefined when the buffer ends inside it or it is malformed. */
export function readElementHeader(buf: Buffer, at: number): ElementHeader | undefined {
  if (at >= buf.length) return undefined;
  const idLength = vintLength(buf[at]);
  if (idLength === 0 || idLength > 4 || at + idLength > buf.length) return undefined;
  const id = buf.readUIntBE(at, idLength);
  const sizeAt = at + idLength;
  if (sizeAt >= buf.length) return undefined;
  const sizeLength = vintLength(buf[sizeAt]);
  if (sizeLength === 0 || sizeAt + sizeLength > buf.length) return undefined;
  let value = buf[sizeAt] & (0xff >> sizeLength);
  let allOnes = value === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    value = value * 256 + buf[sizeAt + i];
    allOnes &&= buf[sizeAt + i] === 0xff;
  }
  return { id, size: allOnes ? null : value, headerLength: idLength + sizeLength, sizeLength };
}

/** Encodes `value` as a size vint of exactly `length` bytes (so a patch never moves anything). */
export function encodeSize(value: number, length: number): Buffer | undefined {
  if (value >= 2 ** (7 * length) - 1) return undefined;
  const b = Buffer.alloc(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  b[0] |= 0x80 >> (length - 1);
  return b;
}

export function readUint(buf: Buffer, at: number, length: number): number {
  return length === 0 ? 0 : buf.readUIntBE(at, Math.min(length, 6));
}

export interface ClusterSummary {
  /** Timestamps (in TimecodeScale units) of the first and last block. */
  firstTicks: number;
  lastTicks: number;
  blocks: number;
}

/**
 * Reads one whole Cluster body: its Timecode and every SimpleBlock / BlockGroup's block timestamp.
 * Undefined when a child runs past the cluster's end (a damaged cluster).
 */
export function summarizeCluster(body: Buffer): ClusterSummary | undefined {
  let timecode = 0;
  const rel: number[] = [];
  for (let at = 0; at < body.length; ) {
    const h = readElementHeader(body, at);
    if (!h || h.size === null || at + h.headerLength + h.size > body.length) return undefined;
    const data = body.subarray(at + h.headerLength, at + h.headerLength + h.size);
    if (h.id === MKV.Timecode) timecode = readUint(data, 0, data.length);
    else if (h.id === MKV.SimpleBlock) {
      const r = blockRelativeTime(data);
      if (r === undefined) return undefined;
      rel.push(r);
    } else if (h.id === MKV.BlockGroup) {
      for (let g = 0; g < data.length; ) {
        const gh = readElementHeader(data, g);
        if (!gh || gh.size === null || g + gh.headerLength + gh.size > data.length) return undefined;
        if (gh.id === MKV.Block) {
          const r = blockRelativeTime(data.subarray(g + gh.headerLength, g + gh.headerLength + gh.size));
          if (r === undefined) return undefined;
          rel.push(r);
        }
        g += gh.headerLength + gh.size;
      }
    }
    at += h.headerLength + h.size;
  }
  if (rel.length === 0) return { firstTicks: timecode, lastTicks: timecode, blocks: 0 };
  return { firstTicks: timecode + Math.min(...rel), lastTicks: timecode + Math.max(...rel), blocks: rel.length };
}

/** A block starts with the track number (a vint) and a signed 16-bit timestamp relative to its cluster. */
function blockRelativeTime(block: Buffer): number | undefined {
  const trackLength = block.length > 0 ? vintLength(block[0]) : 0;
  if (trackLength === 0 || block.length < trackLength + 3) return undefined;
  return block.readInt16BE(trackLength);
}
