// The one object-storage interface the app uses for recordings (movies, posters, live segments, raw-track chunks).
// Two implementations: S3 (any S3, or the embedded s3rver by default: s3-storage.ts) and Azure Blob Storage
// (azure-storage.ts). Domain code imports this file only; the SDKs stay inside the implementations.
import { Readable } from "node:stream";

export type StorageBackend = "s3" | "azure";
/** What /api/health reports: the embedded S3-compatible server, a configured S3, or Azure Blob Storage. */
export type StorageMode = "embedded" | "s3" | "azure";

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  /** Lowercase names of letters, digits and "-" (Azure stores "-" as "_"; read back as "-"). */
  metadata?: Record<string, string>;
}

export interface PutFileOptions extends PutOptions {
  /** Files above one part are sent in parts (S3 multipart upload, Azure blocks). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts in flight at once. Default 2. */
  queueSize?: number;
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
}

export interface ObjectHead {
  size: number;
  contentType?: string;
  metadata: Record<string, string>;
}

export interface ObjectRead {
  body: Readable;
  /** Bytes in this answer (the range's length for a range read). */
  contentLength?: number;
  /** `bytes a-b/total` when a range was read. */
  contentRange?: string;
}

export interface ReadOptions {
  /** One HTTP byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); unsatisfiable ones throw RangeNotSatisfiableError. */
  range?: string;
  signal?: AbortSignal;
}

export interface SignedReadOptions {
  /** Lifetime of the link; the caller clamps it (PLAYBACK_LINK_SECONDS). */
  expiresInSeconds: number;
  /** Served with this Content-Type whatever the object was stored with. */
  contentType?: string;
  /** e.g. `inline` or `attachment; filename="x.mp4"`. */
  contentDisposition?: string;
}

/**
 * One object written part by part: parts may be uploaded in any order and again (the same number replaces the part);
 * `complete` commits them in part-number order as one object, nothing is visible before it. S3 requires every part
 * except the highest-numbered one to be at least 5 MiB (MULTIPART_MIN_PART_BYTES), and part numbers 1..10,000.
 */
export interface MultipartUpload {
  readonly key: string;
  uploadPart(partNumber: number, body: Buffer): Promise<void>;
  /** Commits every part uploaded, in part-number order, with the content type and metadata given at the start. */
  complete(): Promise<void>;
  /** Discards the parts; no object is left. */
  abort(): Promise<void>;
}

/** S3's minimum size of every part but the last one. */
export const MULTIPART_MIN_PART_BYTES = 5 * 1024 * 1024;

export type HousekeepingResult = { applied: true; detail: string } | { applied: false; reason: string };

export interface ObjectStorage {
  readonly backend: StorageBackend;
  readonly mode: StorageMode;
  /** The S3 bucket or the Azure container. */
  readonly container: string;
  put(key: string, body: Buffer | Uint8Array | string, opts?: PutOptions): Promise<void>;
  /** A local file, in parts above partSizeBytes; resolves once the store has committed the whole object. */
  putFile(key: string, file: string, opts?: PutFileOptions): Promise<void>;
  /** An object uploaded part by part (see MultipartUpload: parts but the last ≥ 5 MiB). */
  startMultipart(key: string, opts?: PutOptions): Promise<MultipartUpload>;
  /** ObjectNotFoundError when missing. */
  getBytes(key: string, opts?: { signal?: AbortSignal }): Promise<Buffer>;
  /** ObjectNotFoundError when missing, RangeNotSatisfiableError for a range beyond the object. */
  getStream(key: string, opts?: ReadOptions): Promise<ObjectRead>;
  /** null when missing. */
  head(key: string): Promise<ObjectHead | null>;
  exists(key: string): Promise<boolean>;
  /** Every key under the prefix (all pages), in key order. */
  list(prefix: string): Promise<string[]>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Returns the number of keys asked for; throws naming a key the store refused. */
  deleteMany(keys: readonly string[]): Promise<number>;
  deletePrefix(prefix: string): Promise<number>;
  /** A read-only link (GET with Range → 206) valid for expiresInSeconds. */
  signedReadUrl(key: string, opts: SignedReadOptions): Promise<string>;
  /** Store-side housekeeping the app relies on (never retention: that is the app's sweep). */
  applyHousekeeping(prefix: string): Promise<HousekeepingResult>;
  ping(): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no such object: ${key}`);
    this.name = "ObjectNotFound";
  }
}

export class RangeNotSatisfiableError extends Error {
  constructor(
    readonly key: string,
    readonly range: string,
  ) {
    super(`range ${range} is not satisfiable for ${key}`);
    this.name = "RangeNotSatisfiable";
  }
}

export const isObjectNotFound = (error: unknown): error is ObjectNotFoundError => error instanceof ObjectNotFoundError;

/** A parsed single byte range: start..end inclusive, or the last `suffix` bytes. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export function parseByteRange(header: string): ByteRange | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  const end = m[2] === "" ? undefined : Number(m[2]);
  if (end !== undefined && end < start) return null;
  return { start, end };
}

/** A body for a web Response (route handlers stream objects with Range through the app's origin). */
export function webStream(body: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
}

/** Runs fn over items with at most `limit` at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
