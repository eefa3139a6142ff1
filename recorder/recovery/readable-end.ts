// How far a track file that is still being written can be read: the last block of its last whole Cluster.
// The writer (mkv-writer.ts) appends each Cluster whole and only once the next one starts, so media that has
// arrived can sit in memory for a while, longer under load. A reader that composites a running recording asks
// here before it takes a stretch of the file for complete.
import { open } from "node:fs/promises";
import { MKV, readElementHeader, summarizeCluster } from "@/recorder/recovery/ebml";

/** Longest element header: a 4-byte ID and an 8-byte size. */
const HEADER_BYTES = 12;

export class ReadableEnd {
  /** Where the next unread top-level element starts (0: the file's start, before the EBML header). */
  private offset = 0;
  private endMs: number | null = null;

  constructor(readonly file: string) {}

  /**
   * The file time (ms) of the last block on disk in a whole Cluster, or null when there is none yet. Reads only
   * what was added since the last call; a Cluster cut by the file's end is left for the next call.
   */
  async read(): Promise<number | null> {
    const fh = await open(this.file, "r").catch(() => null);
    if (!fh) return this.endMs;
    try {
      const size = (await fh.stat()).size;
      const head = Buffer.alloc(HEADER_BYTES);
      while (this.offset < size) {
        const { bytesRead } = await fh.read(head, 0, HEADER_BYTES, this.offset);
        const h = readElementHeader(head.subarray(0, bytesRead), 0);
        if (!h) break;
        // The Segment is written with an unknown size (patched at close): step into it either way.
        if (h.id === MKV.Segment) {
          this.offset += h.headerLength;
          continue;
        }
        if (h.size === null || this.offset + h.headerLength + h.size > size) break;
        if (h.id === MKV.Cluster) {
          const body = Buffer.alloc(h.size);
          await fh.read(body, 0, h.size, this.offset + h.headerLength);
          const summary = summarizeCluster(body);
          // Ticks are ms: the writer's TimecodeScale is 1,000,000 ns. A damaged Cluster is not something more waiting will mend: the reader goes on past it.
          if (summary && summary.blocks > 0) this.endMs = Math.max(this.endMs ?? 0, summary.lastTicks);
        }
        this.offset += h.headerLength + h.size;
      }
      return this.endMs;
    } finally {
      await fh.close();
    }
  }
}
