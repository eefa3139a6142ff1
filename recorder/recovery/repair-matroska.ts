import { open, rename, type FileHandle } from "node:fs/promises";
import { encodeSize, MKV, readElementHeader, SEGMENT_CHILDREN, summarizeCluster, type ElementHeader } from "@/recorder/recovery/ebml";

/**
 * Repairs a Matroska/WebM file our writer left behind when the process died: the Segment still has
 * "unknown size", Duration is a Void placeholder, and the last Cluster may be cut short. We keep
 * every whole top-level element, cut the file where the first incomplete one starts, then patch the
 * Segment size and write Duration (= the last block's timestamp) so players and ffprobe see a
 * finished file. Running it again on a repaired file changes nothing.
 */

export type RepairStatus = "intact" | "repaired" | "unreadable";

export interface MatroskaRepair {
  file: string;
  status: RepairStatus;
  /** Bytes cut off the end (a partial Cluster or garbage). */
  truncatedBytes: number;
  /** Last block timestamp in ms (what Duration now says). */
  durationMs: number;
  /** First block timestamp in ms (normally 0: the track's first packet). */
  firstBlockMs: number;
  blocks: number;
  /** Why the file is unreadable; it is then renamed to `<file>.unreadable` so nobody mistakes it for media. */
  problem?: string;
}

const HEADER_PEEK = 16;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

interface InfoFacts {
  timecodeScaleNs: number;
  /** Absolute offset and size of an existing Duration value. */
  duration?: { at: number; size: number };
  /** Absolute offset and total length of the first Void inside Info (the writer's Duration placeholder). */
  void?: { at: number; length: number };
}

function readInfo(body: Buffer, bodyAt: number): InfoFacts {
  const facts: InfoFacts = { timecodeScaleNs: 1_000_000 };
  for (let at = 0; at < body.length; ) {
    const h = readElementHeader(body, at);
    if (!h || h.size === null || at + h.headerLength + h.size > body.length) break;
    const dataAt = at + h.headerLength;
    if (h.id === MKV.TimecodeScale && h.size > 0) facts.timecodeScaleNs = body.readUIntBE(dataAt, Math.min(h.size, 6));
    if (h.id === MKV.Duration && (h.size === 4 || h.size === 8)) facts.duration = { at: bodyAt + dataAt, size: h.size };
    if (h.id === MKV.Void && !facts.void) facts.void = { at: bodyAt + at, length: h.headerLength + h.size };
    at += h.headerLength + h.size;
  }
  return facts;
}

function durationValue(ticks: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  if (size === 4) b.writeFloatBE(ticks);
  else b.writeDoubleBE(ticks);
  return b;
}

/** Duration element (11 bytes) in place of a Void, plus a smaller Void for whatever space is left. */
function durationInPlaceOfVoid(ticks: number, voidLength: number): Buffer | undefined {
  const element = Buffer.concat([Buffer.from([0x44, 0x89, 0x88]), durationValue(ticks, 8)]);
  const rest = voidLength - element.length;
  if (rest === 0) return element;
  if (rest < 2) return undefined;
  const size = rest <= 0x80 ? encodeSize(rest - 2, 1) : encodeSize(rest - 9, 8);
  if (!size) return undefined;
  return Buffer.concat([element, Buffer.from([MKV.Void]), size, Buffer.alloc(rest - 1 - size.length)]);
}

async function writeIfDifferent(fh: FileHandle, at: number, bytes: Buffer): Promise<boolean> {
  const current = await readAt(fh, at, bytes.length);
  if (current.equals(bytes)) return false;
  await fh.write(bytes, 0, bytes.length, at);
  return true;
}

export async function repairMatroskaFile(file: string): Promise<MatroskaRepair> {
  const result: MatroskaRepair = { file, status: "intact", truncatedBytes: 0, durationMs: 0, firstBlockMs: 0, blocks: 0 };
  const fh = await open(file, "r+");
  let problem: string | undefined;
  try {
    problem = await repairOpenFile(fh, result);
  } finally {
    await fh.close();
  }
  if (problem) {
    await rename(file, `${file}.unreadable`);
    return { ...result, status: "unreadable", problem };
  }
  return result;
}

/** Returns a problem when the file cannot be made playable (its headers themselves are cut). */
async function repairOpenFile(fh: FileHandle, result: MatroskaRepair): Promise<string | undefined> {
  const fileSize = (await fh.stat()).size;
  const head = await readAt(fh, 0, HEADER_PEEK);
  const ebml = readElementHeader(head, 0);
  if (!ebml || ebml.id !== MKV.EBML || ebml.size === null) return "no EBML header";
  const segmentAt = ebml.headerLength + ebml.size;
  const segment = readElementHeader(await readAt(fh, segmentAt, HEADER_PEEK), 0);
  if (!segment || segment.id !== MKV.Segment) return "no Segment";
  const segmentDataAt = segmentAt + segment.headerLength;

  let info: InfoFacts | undefined;
  let sawTracks = false;
  let cutAt = fileSize;
  let firstTicks: number | undefined;
  let lastTicks = 0;
  for (let at = segmentDataAt; at < fileSize; ) {
    const h: ElementHeader | undefined = readElementHeader(await readAt(fh, at, HEADER_PEEK), 0);
    const complete = h && h.size !== null && SEGMENT_CHILDREN.has(h.id) && at + h.headerLength + h.size <= fileSize;
    if (!h || !complete) {
      cutAt = at;
      break;
    }
    const bodyAt = at + h.headerLength;
    const size = h.size!;
    if (h.id === MKV.Info) info = readInfo(await readAt(fh, bodyAt, size), bodyAt);
    if (h.id === MKV.Tracks) sawTracks = true;
    if (h.id === MKV.Cluster) {
      const summary = summarizeCluster(await readAt(fh, bodyAt, size));
      if (!summary) {
        cutAt = at;
        break;
      }
      if (summary.blocks > 0) {
        firstTicks ??= summary.firstTicks;
        lastTicks = Math.max(lastTicks, summary.lastTicks);
        result.blocks += summary.blocks;
      }
    }
    at = bodyAt + size;
  }
  if (!info || !sawTracks) return "headers (Info/Tracks) incomplete";

  let changed = false;
  if (cutAt < fileSize) {
    await fh.truncate(cutAt);
    result.truncatedBytes = fileSize - cutAt;
    changed = true;
  }
  const sizeField = encodeSize(cutAt - segmentDataAt, segment.sizeLength);
  if (sizeField) changed = (await writeIfDifferent(fh, segmentAt + segment.headerLength - segment.sizeLength, sizeField)) || changed;

  const msPerTick = info.timecodeScaleNs / 1_000_000;
  result.durationMs = lastTicks * msPerTick;
  result.firstBlockMs = (firstTicks ?? 0) * msPerTick;
  if (info.duration) {
    changed = (await writeIfDifferent(fh, info.duration.at, durationValue(lastTicks, info.duration.size))) || changed;
  } else if (info.void) {
    const patch = durationInPlaceOfVoid(lastTicks, info.void.length);
    if (patch) changed = (await writeIfDifferent(fh, info.void.at, patch)) || changed;
  }
  if (changed) {
    await fh.sync();
    result.status = "repaired";
  }
  return undefined;
}
