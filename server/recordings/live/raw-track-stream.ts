// UPLOAD_RAW_TRACKS while a recording runs: every few seconds the bytes its raw files gained are stored as one
// chunk object per file (`recordings/<id>/raw-chunks/<path>@<offset>`), so a node that dies takes at most the last
// few seconds of raw media with it and a full re-composite stays possible from storage. The recorder's files only
// grow, except the head of a Matroska file (segment size and duration are written there on close): at the end the
// head chunk of each file is stored again.
import { mkdir, open } from "node:fs/promises";
import path from "node:path";
import { listRecordingFiles, safeRelativePath } from "@/recorder/control/recording-files";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { recordingPrefix } from "@/server/recordings/recording-objects";

const chunkPrefix = (recordingId: string) => `${recordingPrefix(recordingId)}raw-chunks/`;
/** Written after the last chunk: the chunks are the whole recording's raw files. */
const COMPLETE = "complete.json";
const OFFSET_DIGITS = 13;
const HEAD_BYTES = 64 * 1024;

export interface RawTrackStreamOptions {
  storage: ObjectStorage;
  recordingId: string;
  /** The recorder's folder of this recording. */
  recordingDir: string;
}

export class RawTrackStream {
  /** Per file: how many bytes are stored, and the length of its first chunk (re-stored at the end). */
  private readonly stored = new Map<string, { bytes: number; headBytes: number }>();
  uploadedBytes = 0;

  constructor(private readonly o: RawTrackStreamOptions) {}

  /** Stores what every file gained since the last call; `final` (the recording stopped) also closes the set. */
  async sync(final: boolean): Promise<void> {
    const root = path.dirname(this.o.recordingDir);
    for (const file of await listRecordingFiles(root, path.basename(this.o.recordingDir))) {
      const seen = this.stored.get(file.path);
      // A file rewritten shorter (never by the recorder today) starts over rather than leave stale bytes behind.
      const from = seen && seen.bytes <= file.bytes ? seen.bytes : 0;
      if (file.bytes > from) {
        await this.put(file.path, from, await this.read(file.path, from, file.bytes));
        this.stored.set(file.path, { bytes: file.bytes, headBytes: from === 0 ? file.bytes : seen!.headBytes });
      }
      const head = this.stored.get(file.path);
      // At least HEAD_BYTES: a first chunk taken while the header was half written must still cover the patched fields.
      if (final && head && from > 0)
        await this.put(file.path, 0, await this.read(file.path, 0, Math.min(file.bytes, Math.max(head.headBytes, HEAD_BYTES))));
    }
    if (final) await this.send(COMPLETE, Buffer.from(JSON.stringify({ files: this.stored.size, at: new Date().toISOString() })));
  }

  private async read(rel: string, from: number, to: number): Promise<Buffer> {
    const fh = await open(path.join(this.o.recordingDir, rel), "r");
    try {
      const buf = Buffer.alloc(to - from);
      const { bytesRead } = await fh.read(buf, 0, buf.length, from);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  private async put(rel: string, offset: number, body: Buffer): Promise<void> {
    await this.send(`${rel}@${String(offset).padStart(OFFSET_DIGITS, "0")}`, body);
    this.uploadedBytes += body.length;
  }

  private async send(name: string, body: Buffer): Promise<void> {
    await this.o.storage.put(chunkPrefix(this.o.recordingId) + name, body, { contentType: "application/octet-stream" });
  }
}

/** Whether the streamed chunks are the whole recording (its stream was closed at Stop). */
export async function rawChunksComplete(storage: ObjectStorage, recordingId: string): Promise<boolean> {
  return storage.exists(chunkPrefix(recordingId) + COMPLETE).catch(() => false);
}

/**
 * Rebuilds a recording's raw folder from its stored chunks into `into` (each chunk written at its offset, so a head
 * stored again at the end overwrites the first). Returns the number of files, 0 when nothing was streamed.
 */
export async function restoreRawChunks(storage: ObjectStorage, recordingId: string, into: string): Promise<number> {
  const prefix = chunkPrefix(recordingId);
  const chunks: { key: string; rel: string; offset: number }[] = [];
  for (const key of await storage.list(prefix)) {
    const m = /^(.+)@(\d+)$/.exec(key.slice(prefix.length));
    const rel = m ? safeRelativePath(m[1]!) : null;
    if (m && rel) chunks.push({ key, rel, offset: Number(m[2]) });
  }
  // Offset 0 last: the head stored again at the end may be longer than the first chunk, and newer than what overlaps it.
  chunks.sort((a, b) => a.rel.localeCompare(b.rel) || (a.offset === 0 ? 1 : b.offset === 0 ? -1 : a.offset - b.offset));
  const files = new Set<string>();
  for (const c of chunks) {
    const file = path.join(into, c.rel);
    await mkdir(path.dirname(file), { recursive: true });
    const body = await storage.getBytes(c.key);
    const fh = await open(file, files.has(c.rel) ? "r+" : "w");
    try {
      await fh.write(body, 0, body.length, c.offset);
    } finally {
      await fh.close();
    }
    files.add(c.rel);
  }
  return files.size;
}
