// The object store for recordings: any S3 when S3_ENDPOINT is configured, otherwise an embedded
// S3-compatible server (s3rver) on loopback with its data under the data folder. The S3 client code
// above the endpoint is the same in both modes.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { CreateBucketCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "@20minutes/s3rver";

export type StorageMode = "s3" | "embedded";

export interface ObjectStore {
  mode: StorageMode;
  bucket: string;
  client: S3Client;
  endpoint: string;
  ping(): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  close(): Promise<void>;
}

export interface ObjectStoreOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Folder for the embedded server, used when no endpoint is configured. */
  embeddedDir: string;
  embeddedPort: number;
}

export async function openObjectStore(opts: ObjectStoreOptions): Promise<ObjectStore> {
  let embedded: S3rver | undefined;
  let endpoint = opts.endpoint;
  let credentials = { accessKeyId: opts.accessKeyId ?? "", secretAccessKey: opts.secretAccessKey ?? "" };
  if (!endpoint) {
    mkdirSync(opts.embeddedDir, { recursive: true });
    credentials = useFreshEmbeddedKeys();
    embedded = new S3rver({ address: "127.0.0.1", port: opts.embeddedPort, directory: opts.embeddedDir, silent: true });
    refuseUnsigned(embedded);
    const address = (await embedded.run()) as AddressInfo;
    endpoint = `http://127.0.0.1:${address.port}`;
  }
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
  await ensureBucket(client, opts.bucket);

  return {
    mode: embedded ? "embedded" : "s3",
    bucket: opts.bucket,
    client,
    endpoint,
    async ping() {
      const started = performance.now();
      try {
        await client.send(new HeadBucketCommand({ Bucket: opts.bucket }));
        return { ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ok: false, latencyMs: Math.round(performance.now() - started), error: describeError(error) };
      }
    },
    async close() {
      client.destroy();
      await embedded?.close();
    },
  };
}

interface KoaContext {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  status: number;
  type: string;
  body: unknown;
}

/**
 * s3rver serves a request that carries no signature at all as anonymous, so any local user (or a request forged
 * through the server) read every movie, and a presigned link without its query string never expired. Every request
 * of ours is signed: one with no signature is refused before s3rver sees it (signed ones it verifies itself).
 */
function refuseUnsigned(server: S3rver): void {
  const stack = (server as unknown as { middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[] }).middleware;
  stack.unshift(async (ctx, next) => {
    const signed = "authorization" in ctx.headers || "Signature" in ctx.query || "X-Amz-Algorithm" in ctx.query;
    if (signed || ctx.method === "OPTIONS") return next();
    ctx.status = 403;
    ctx.type = "application/xml";
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>unsigned requests are refused</Message></Error>';
  });
}

// s3rver accepts a well-known key pair ("S3RVER") out of the box; replace it with a random one per run so
// only this process can sign requests (and presigned links name a key nobody else knows).
function useFreshEmbeddedKeys(): { accessKeyId: string; secretAccessKey: string } {
  const require = createRequire(import.meta.url);
  const { DUMMY_ACCOUNT } = require("@20minutes/s3rver/lib/models/account.js") as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
  };
  DUMMY_ACCOUNT.revokeAccessKey("S3RVER");
  const keys = {
    accessKeyId: `VHD${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString("base64url"),
  };
  DUMMY_ACCOUNT.createKeyPair(keys.accessKeyId, keys.secretAccessKey);
  return keys;
}

// s3rver canonicalizes a bucket-level request as "/bucket" while the SDK sends and signs "/bucket/", so its
// signature check refuses every bucket-level call. Sending "/bucket" (which S3 treats the same) makes the
// signatures agree without turning verification off. Added before signing, for the embedded server only.
function signBucketPathsWithoutSlash(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (typeof request.path === "string" && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: "build", name: "embeddedBucketPath" },
  );
}

async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw new Error(`object store bucket ${bucket} is not reachable: ${describeError(error)}`);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const text = e.message && e.message !== "UnknownError" ? e.message : e.name || String(error);
  return status ? `HTTP ${status} ${text}` : text;
}
