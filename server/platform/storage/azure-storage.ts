// ObjectStorage on Azure Blob Storage (STORAGE_BACKEND=azure): block blobs in one container, created when missing.
// Read links are service SAS tokens signed with the account key (read permission only, expiry as asked,
// Content-Type/Content-Disposition overrides). The only module that imports @azure/storage-blob.
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { BlobSASPermissions, BlobServiceClient, type ContainerClient, RestError, StorageSharedKeyCredential } from "@azure/storage-blob";
import {
  eachLimited,
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

export interface AzureStorageOptions {
  /** `DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…;…` (must carry the key: SAS links are signed with it). */
  connectionString?: string;
  account?: string;
  key?: string;
  /** Blob service URL, e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`; default https://<account>.blob.core.windows.net. */
  endpoint?: string;
  container: string;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DELETE_CONCURRENCY = 8;

// Azure metadata names must be C# identifiers: "source-size" is stored as "source_size" and read back as "source-size".
const toAzureMetadata = (m?: Record<string, string>) =>
  m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/-/g, "_"), v]));
const fromAzureMetadata = (m?: Record<string, string>) =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k.toLowerCase().replace(/_/g, "-"), v]));

export class AzureObjectStorage implements ObjectStorage {
  readonly backend = "azure" as const;
  readonly mode = "azure" as const;

  constructor(
    /** The SDK's container client, for tests that check what Azure holds with its own calls. */
    readonly containerClient: ContainerClient,
  ) {}

  get container(): string {
    return this.containerClient.containerName;
  }

  private blob(key: string) {
    return this.containerClient.getBlockBlobClient(key);
  }

  async put(key: string, body: Buffer | Uint8Array | string, opts: PutOptions = {}): Promise<void> {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    await this.blob(key).upload(bytes, bytes.length, {
      blobHTTPHeaders: { blobContentType: opts.contentType, blobCacheControl: opts.cacheControl },
      metadata: toAzureMetadata(opts.metadata),
    });
  }

  async putFile(key: string, file: string, opts: PutFileOptions = {}): Promise<void> {
    const { size } = await stat(file);
    const blockSize = opts.partSizeBytes ?? DEFAULT_PART_SIZE;
    // Above one part: staged blocks committed by one block list at the end (nothing is visible before that,
    // and uncommitted blocks of an upload that never finished are discarded by the service after 7 days).
    await this.blob(key).uploadFile(file, {
      blockSize,
      maxSingleShotSize: blockSize,
      concurrency: opts.queueSize ?? 2,
      blobHTTPHeaders: { blobContentType: opts.contentType, blobCacheControl: opts.cacheControl },
      metadata: toAzureMetadata(opts.metadata),
      onProgress: (p) => opts.onProgress?.(p.loadedBytes, size),
    });
  }

  async startMultipart(key: string, opts: PutOptions = {}): Promise<MultipartUpload> {
    const blob = this.blob(key);
    const staged = new Set<number>();
    return {
      key,
      async uploadPart(partNumber, body) {
        await blob.stageBlock(blockId(partNumber), body, body.length);
        staged.add(partNumber);
      },
      async complete() {
        await blob.commitBlockList([...staged].sort((a, b) => a - b).map(blockId), {
          blobHTTPHeaders: { blobContentType: opts.contentType, blobCacheControl: opts.cacheControl },
          metadata: toAzureMetadata(opts.metadata),
        });
      },
      // Uncommitted blocks are discarded by the service (after 7 days, or with the next commit of this blob).
      async abort() {},
    };
  }

  async getBytes(key: string, opts: { signal?: AbortSignal } = {}): Promise<Buffer> {
    const got = await this.getStream(key, opts);
    const chunks: Buffer[] = [];
    for await (const chunk of got.body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  async getStream(key: string, opts: ReadOptions = {}): Promise<ObjectRead> {
    let offset = 0;
    let count: number | undefined;
    const range = opts.range ? parseByteRange(opts.range) : null;
    if (opts.range && !range) throw new RangeNotSatisfiableError(key, opts.range);
    if (range && "suffix" in range) {
      const head = await this.head(key);
      if (!head) throw new ObjectNotFoundError(key);
      if (range.suffix === 0 || head.size === 0) throw new RangeNotSatisfiableError(key, opts.range!);
      offset = Math.max(0, head.size - range.suffix);
      count = head.size - offset;
    } else if (range) {
      offset = range.start;
      count = range.end === undefined ? undefined : range.end - range.start + 1;
    }
    try {
      const got = await this.blob(key).download(offset, count, { abortSignal: opts.signal });
      let contentRange = range ? got.contentRange : undefined;
      // "bytes=0-" is sent without a range header (the SDK's choice): the whole object is that range.
      if (range && !contentRange && got.contentLength !== undefined) {
        contentRange = `bytes 0-${got.contentLength - 1}/${got.contentLength}`;
      }
      return { body: got.readableStreamBody as Readable, contentLength: got.contentLength, contentRange };
    } catch (error) {
      if (status(error) === 404) throw new ObjectNotFoundError(key);
      if (status(error) === 416) throw new RangeNotSatisfiableError(key, opts.range ?? "");
      throw error;
    }
  }

  async head(key: string): Promise<ObjectHead | null> {
    try {
      const p = await this.blob(key).getProperties();
      return { size: p.contentLength ?? -1, contentType: p.contentType, metadata: fromAzureMetadata(p.metadata) };
    } catch (error) {
      if (status(error) === 404) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const blob of this.containerClient.listBlobsFlat({ prefix })) keys.push(blob.name);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.blob(key).deleteIfExists({ deleteSnapshots: "include" });
  }

  async deleteMany(keys: readonly string[]): Promise<number> {
    await eachLimited(keys, DELETE_CONCURRENCY, (key) => this.delete(key));
    return keys.length;
  }

  async deletePrefix(prefix: string): Promise<number> {
    return this.deleteMany(await this.list(prefix));
  }

  signedReadUrl(key: string, opts: SignedReadOptions): Promise<string> {
    return this.blob(key).generateSasUrl({
      permissions: BlobSASPermissions.parse("r"),
      expiresOn: new Date(Date.now() + opts.expiresInSeconds * 1000),
      contentType: opts.contentType,
      contentDisposition: opts.contentDisposition,
    });
  }

  async applyHousekeeping(): Promise<HousekeepingResult> {
    // The S3 backend's one lifecycle rule drops unfinished multipart uploads; Azure does that itself (uncommitted
    // blocks are discarded after 7 days) and lifecycle policies are account-level (management plane), not ours.
    return { applied: false, reason: "not needed: Azure discards uncommitted blocks of unfinished uploads after 7 days" };
  }

  async ping(): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
    const started = performance.now();
    try {
      await this.containerClient.getProperties();
      return { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: describeError(error) };
    }
  }

  async close(): Promise<void> {
    // The SDK holds no connections that need closing.
  }
}

/** Block ids of one blob must all have the same length: the part number, zero-padded, base64. */
const blockId = (partNumber: number) => Buffer.from(`part-${String(partNumber).padStart(6, "0")}`).toString("base64");

export async function openAzureStorage(opts: AzureStorageOptions): Promise<AzureObjectStorage> {
  let service: BlobServiceClient;
  if (opts.connectionString) {
    service = BlobServiceClient.fromConnectionString(opts.connectionString);
    if (!(service.credential instanceof StorageSharedKeyCredential)) {
      throw new Error("AZURE_STORAGE_CONNECTION_STRING must carry AccountName and AccountKey (read links are signed with the key)");
    }
  } else if (opts.account && opts.key) {
    const endpoint = (opts.endpoint ?? `https://${opts.account}.blob.core.windows.net`).replace(/\/+$/, "");
    service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(opts.account, opts.key));
  } else {
    throw new Error("Azure storage needs AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY");
  }
  const container = service.getContainerClient(opts.container);
  try {
    await container.createIfNotExists();
  } catch (error) {
    throw new Error(`Azure container ${opts.container} is not reachable: ${describeError(error)}`);
  }
  return new AzureObjectStorage(container);
}

function status(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : (error as { statusCode?: number })?.statusCode;
}

function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string; statusCode?: number };
  const text = e.code ?? e.message ?? String(error);
  return e.statusCode ? `HTTP ${e.statusCode} ${text}` : text;
}
