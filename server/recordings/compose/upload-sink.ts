// Uploads a finished recording's files to the object store (S3 or Azure) and deletes the local copies only once
// the store confirms it holds every byte. Users of recording products lose recordings when an upload fails and the local file is
// deleted anyway; here a file is deleted only after a HEAD reports its full size, and only once ALL
// files of the call are confirmed, so a restarted run always still has what it needs.
import { stat, unlink } from "node:fs/promises";
import type { Logger } from "pino";
import type { FailureKind } from "@/lib/errors/catalog";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";

export interface RecordingFile {
  /** Local file. */
  path: string;
  /** Key below `prefix`, e.g. "composite.mp4". */
  key: string;
  contentType: string;
}

export interface UploadProgress {
  key: string;
  loaded: number;
  total: number;
  fileIndex: number;
  fileCount: number;
}

export interface RetryPolicy {
  /** Total tries per file, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface UploadRecordingOptions {
  storage: ObjectStorage;
  /** e.g. "recordings/<id>/"; a trailing slash is added when missing. */
  prefix: string;
  files: RecordingFile[];
  onProgress?: (progress: UploadProgress) => void;
  /** Delete the local files after every one of them is confirmed in S3. Default false. */
  deleteLocal?: boolean;
  retry?: Partial<RetryPolicy>;
  partSizeBytes?: number;
  queueSize?: number;
  logger?: Logger;
}

export interface UploadedObject {
  key: string;
  size: number;
  /** False when an earlier run had already stored this exact file (same size and mtime). */
  uploaded: boolean;
  localDeleted: boolean;
}

export const DEFAULT_UPLOAD_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000 };
const PART_SIZE = 8 * 1024 * 1024;

export class UploadVerificationError extends Error {
  readonly kind: FailureKind = "storage.upload-unverified";
  constructor(key: string, expected: number, actual: number | undefined) {
    super(`storage holds ${actual ?? "no"} bytes for ${key}, expected ${expected}`);
    this.name = "UploadVerificationError";
  }
}

export async function uploadRecordingFiles(opts: UploadRecordingOptions): Promise<UploadedObject[]> {
  const retry = { ...DEFAULT_UPLOAD_RETRY, ...opts.retry };
  const prefix = opts.prefix === "" || opts.prefix.endsWith("/") ? opts.prefix : `${opts.prefix}/`;
  const results: UploadedObject[] = [];
  for (const [fileIndex, file] of opts.files.entries()) {
    const key = prefix + file.key;
    const log = opts.logger?.child({ key });
    const result = await withRetries(retry, log, `upload ${key}`, () => uploadOne(opts, file, key, fileIndex));
    results.push(result);
  }
  if (opts.deleteLocal) {
    for (const [i, file] of opts.files.entries()) {
      // A missing file was deleted by an earlier run after the same confirmation.
      await unlink(file.path).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e)));
      results[i]!.localDeleted = true;
    }
  }
  return results;
}

async function uploadOne(opts: UploadRecordingOptions, file: RecordingFile, key: string, fileIndex: number): Promise<UploadedObject> {
  const local = await stat(file.path).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? null : Promise.reject(e)));
  const remote = await opts.storage.head(key);
  // The size+mtime we wrote as metadata identifies the exact local file an earlier run confirmed: skip
  // re-sending gigabytes after a restart, and accept a local file already deleted after confirmation.
  if (remote && remote.metadata["source-size"] === String(remote.size)) {
    if (!local && opts.deleteLocal) return { key, size: remote.size, uploaded: false, localDeleted: true };
    if (local && local.size === remote.size && remote.metadata["source-mtime-ms"] === String(Math.trunc(local.mtimeMs))) {
      return { key, size: remote.size, uploaded: false, localDeleted: false };
    }
  }
  if (!local) throw new Error(`local file ${file.path} for ${key} does not exist`);

  await opts.storage.putFile(key, file.path, {
    contentType: file.contentType,
    metadata: { "source-size": String(local.size), "source-mtime-ms": String(Math.trunc(local.mtimeMs)) },
    partSizeBytes: opts.partSizeBytes ?? PART_SIZE,
    queueSize: opts.queueSize ?? 2,
    onProgress: (loaded, total) => opts.onProgress?.({ key, loaded, total, fileIndex, fileCount: opts.files.length }),
  });

  const confirmed = await opts.storage.head(key);
  if (!confirmed || confirmed.size !== local.size) throw new UploadVerificationError(key, local.size, confirmed?.size);
  return { key, size: confirmed.size, uploaded: true, localDeleted: false };
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR", // Azure SDK: the request never reached the service
]);
const TRANSIENT_NAMES = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "NetworkingError",
  "AbortError",
  "UploadVerificationError",
]);

/** Network failures, timeouts, throttling, 5xx and a short object: worth another try. 4xx (denied,
 *  no such bucket) and local file errors are not. */
export function isTransientS3Error(error: unknown): boolean {
  const e = error as { code?: string; name?: string; errors?: unknown[]; cause?: unknown; $retryable?: unknown };
  if (!e || typeof e !== "object") return false;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = httpStatus(error);
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return true;
  if (Array.isArray(e.errors) && e.errors.some(isTransientS3Error)) return true; // AggregateError (happy eyeballs)
  return e.cause !== undefined && e.cause !== error && isTransientS3Error(e.cause);
}

/** S3's `$metadata.httpStatusCode`, Azure's `statusCode`. */
function httpStatus(error: unknown): number | undefined {
  const e = error as { $metadata?: { httpStatusCode?: number }; statusCode?: number } | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.statusCode;
}

/** Full-jitter exponential backoff: spreads retries of many recorders hitting the same outage. */
export function backoffDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Runs fn, trying again after transient failures (isTransientS3Error) with backoff, up to policy.attempts. */
export async function withRetries<T>(policy: RetryPolicy, log: Logger | undefined, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientS3Error(error)) throw error;
      const wait = backoffDelayMs(policy, attempt);
      log?.warn({ err: error, attempt, retryInMs: wait }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
