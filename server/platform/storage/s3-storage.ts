// ObjectStorage on S3: any S3 when S3_ENDPOINT is configured, otherwise the embedded S3-compatible server
// (s3-embedded.ts) on loopback with its data under the data folder. The S3 client code above the endpoint is the
// same in both modes. The only module besides its helpers that imports the AWS SDK.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { type EmbeddedS3Failure, signBucketPathsWithoutSlash, startEmbeddedS3 } from "@/server/platform/storage/s3-embedded";
import { applyLifecycleRule } from "@/server/platform/storage/s3-lifecycle";
import {
  ObjectNotFoundError,
  parseByteRange,
  RangeNotSatisfiableError,
  type HousekeepingResult,
  type MultipartUpload,
  type ObjectHead,
  type ObjectRead,
  type ObjectStorage,
  type PutFileOptions,
  type PutOptions,
  type ReadOptions,
  type SignedReadOptions,
} from "@/server/platform/storage/object-storage";

export interface S3StorageOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Folder for the embedded server, used when no endpoint is configured. */
  embeddedDir: string;
  embeddedPort: number;
  /** Told of every request the embedded server fails with a 5xx (the node logs them). */
  onEmbeddedFailure?: (failure: EmbeddedS3Failure) => void;
  /** Server-side encryption of every object written (S3_SSE, S3_SSE_KMS_KEY_ID). */
  sse?: S3Encryption;
}

export interface S3Encryption {
  algorithm: ServerSideEncryption | `${ServerSideEncryption}`;
  kmsKeyId?: string;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export class S3ObjectStorage implements ObjectStorage {
  readonly backend = "s3" as const;

  constructor(
    /** The SDK client, for tests that check what S3 holds with S3's own commands. */
    readonly client: S3Client,
    readonly bucket: string,
    readonly mode: "embedded" | "s3",
    readonly endpoint: string,
    private readonly sse?: S3Encryption,
    private readonly onClose?: () => Promise<void>,
  ) {}

  get container(): string {
    return this.bucket;
  }

  private get encryption() {
    return { ServerSideEncryption: this.sse?.algorithm as ServerSideEncryption | undefined, SSEKMSKeyId: this.sse?.kmsKeyId };
  }

  async put(key: string, body: Buffer | Uint8Array | string, opts: PutOptions = {}): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: opts.contentType,
        CacheControl: opts.cacheControl,
        Metadata: opts.metadata,
        ...this.encryption,
      }),
    );
  }

  async putFile(key: string, file: string, opts: PutFileOptions = {}): Promise<void> {
    const { size } = await stat(file);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentType: opts.contentType,
        CacheControl: opts.cacheControl,
        ContentLength: size,
        Metadata: opts.metadata,
        ...this.encryption,
      },
      partSize: opts.partSizeBytes ?? DEFAULT_PART_SIZE,
      queueSize: opts.queueSize ?? 2,
      // Abort the multipart upload on failure so orphaned parts do not accumulate (and bill) in the bucket.
      leavePartsOnError: false,
    });
    upload.on("httpUploadProgress", (p) => opts.onProgress?.(p.loaded ?? 0, p.total ?? size));
    await upload.done();
  }

  async startMultipart(key: string, opts: PutOptions = {}): Promise<MultipartUpload> {
    const { client, bucket } = this;
    const created = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ContentType: opts.contentType,
        CacheControl: opts.cacheControl,
        Metadata: opts.metadata,
        ...this.encryption,
      }),
    );
    const UploadId = created.UploadId!;
    const etags = new Map<number, string>();
    return {
      key,
      async uploadPart(PartNumber, body) {
        const got = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: body }));
        etags.set(PartNumber, got.ETag!);
      },
      async complete() {
        const Parts = [...etags].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag }));
        await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts } }));
      },
      async abort() {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
      },
    };
  }

  async getBytes(key: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const got = await this.getStream(key, opts);
    const chunks: Buffer[] = [];
    for await (const chunk of got.body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  async getStream(key: string, opts: ReadOptions = {}): Promise<ObjectRead> {
    const range = opts.range ? await this.explicitRange(key, opts.range) : undefined;
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }), {
        abortSignal: opts.signal,
      });
      return { body: got.Body as Readable, contentLength: got.ContentLength, contentRange: opts.range ? got.ContentRange : undefined };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === "NoSuchKey" || httpStatus(error) === 404) throw new ObjectNotFoundError(key);
      if (name === "InvalidRange" || httpStatus(error) === 416) throw new RangeNotSatisfiableError(key, opts.range ?? "");
      throw error;
    }
  }

  /** `bytes=-n` as `bytes=a-b`: the embedded s3rver answers a suffix range with the object's head (measured). */
  private async explicitRange(key: string, header: string): Promise<string> {
    const range = parseByteRange(header);
    if (!range) throw new RangeNotSatisfiableError(key, header);
    if (!("suffix" in range)) return header;
    const head = await this.head(key);
    if (!head) throw new ObjectNotFoundError(key);
    if (range.suffix === 0 || head.size <= 0) throw new RangeNotSatisfiableError(key, header);
    return `bytes=${Math.max(0, head.size - range.suffix)}-${head.size - 1}`;
  }

  async head(key: string): Promise<ObjectHead | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: head.ContentLength ?? -1, contentType: head.ContentType, metadata: head.Metadata ?? {} };
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    // DeleteObjects takes at most 1000 keys per request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      // A 200 response can still carry per-key errors (AccessDenied on one key, for example).
      const errors = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
      if (errors.length) throw new Error(`S3 refused to delete ${errors.length} object(s): ${errors[0]!.Key} ${errors[0]!.Code}`);
      deleted += batch.length;
    }
    return deleted;
  }

  async deletePrefix(prefix: string): Promise<number> {
    return this.deleteMany(await this.list(prefix));
  }

  signedReadUrl(key: string, opts: SignedReadOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentType: opts.contentType,
      ResponseContentDisposition: opts.contentDisposition,
    });
    return getSignedUrl(this.client, command, { expiresIn: opts.expiresInSeconds });
  }

  async applyHousekeeping(prefix: string): Promise<HousekeepingResult> {
    const result = await applyLifecycleRule(this.client, this.bucket, prefix);
    return result.applied ? { applied: true, detail: `lifecycle rules: ${result.rules.map((r) => r.ID).join(", ")}` } : result;
  }

  async ping(): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
    const started = performance.now();
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: describeError(error) };
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    await this.onClose?.();
  }
}

export async function openS3Storage(opts: S3StorageOptions): Promise<S3ObjectStorage> {
  const embedded = opts.endpoint ? undefined : await startEmbeddedS3(opts.embeddedDir, opts.embeddedPort, opts.onEmbeddedFailure);
  const endpoint = embedded?.endpoint ?? opts.endpoint!;
  const credentials = embedded?.credentials ?? { accessKeyId: opts.accessKeyId ?? "", secretAccessKey: opts.secretAccessKey ?? "" };
  const client = new S3Client({
    endpoint,
    region: opts.region,
    credentials,
    forcePathStyle: embedded ? true : opts.forcePathStyle,
    // With the SDK's default, presigned PUTs carry a checksum of an empty body and some servers store
    // aws-chunked framing inside the object (measured; see platform notes).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  if (embedded) signBucketPathsWithoutSlash(client);
  try {
    await ensureBucket(client, opts.bucket);
  } catch (error) {
    client.destroy();
    await embedded?.close();
    throw error;
  }
  return new S3ObjectStorage(client, opts.bucket, embedded ? "embedded" : "s3", endpoint, opts.sse, embedded?.close);
}

async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (httpStatus(error) !== 404) throw new Error(`object store bucket ${bucket} is not reachable: ${describeError(error)}`);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const text = e.message && e.message !== "UnknownError" ? e.message : e.name || String(error);
  return status ? `HTTP ${status} ${text}` : text;
}
