// The embedded S3-compatible server (s3rver) the app uses when no S3_ENDPOINT is configured, on loopback with its
// data under the data folder, and the fixes it needs to be safe and to agree with the AWS SDK's signatures.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import S3rver from "@20minutes/s3rver";

export interface EmbeddedS3 {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

/** A request the embedded server failed (5xx): what it was and why, which s3rver's silent mode would swallow. */
export interface EmbeddedS3Failure {
  method: string;
  path: string;
  query: string;
  status: number;
  code: string;
  message: string;
  stack?: string;
}

export async function startEmbeddedS3(
  directory: string,
  port: number,
  onFailure?: (failure: EmbeddedS3Failure) => void,
): Promise<EmbeddedS3> {
  mkdirSync(directory, { recursive: true });
  const credentials = useFreshEmbeddedKeys();
  const server = new S3rver({ address: "127.0.0.1", port, directory, silent: true });
  if (onFailure) reportFailures(server, onFailure);
  refuseUnsigned(server);
  abortMultipartUploads(server);
  listPastAThousandKeys(server);
  tolerateFoldersEmptiedElsewhere(server);
  const address = (await server.run()) as AddressInfo;
  return { endpoint: `http://127.0.0.1:${address.port}`, credentials, close: () => server.close() };
}

interface KoaContext {
  method: string;
  path: string;
  querystring: string;
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
    ctx.body = errorXml("AccessDenied", "unsigned requests are refused");
  });
}

/**
 * s3rver turns an unexpected exception into a bare 500 InternalError and, silent, logs nothing: a one-hour benchmark
 * died twice on one with no trace of the request. Koa emits every error it answers on the app; 5xx ones are reported.
 */
function reportFailures(server: S3rver, onFailure: (failure: EmbeddedS3Failure) => void): void {
  (server as unknown as { on(event: "error", listener: (err: Error, ctx?: KoaContext) => void): void }).on("error", (err, ctx) => {
    const failure = err as Error & { status?: number; code?: string; statusCode?: number };
    const status = failure.status ?? failure.statusCode ?? 500;
    if (status < 500) return;
    onFailure({
      method: ctx?.method ?? "",
      path: ctx?.path ?? "",
      query: ctx?.querystring ?? "",
      status,
      code: failure.code ?? failure.name,
      message: failure.message,
      stack: failure.stack,
    });
  });
}

/**
 * s3rver has no AbortMultipartUpload: it answers `DELETE ?uploadId` with MethodNotAllowed and keeps the parts.
 * Its router checks the signature first (a 403 stays a 403), so that refusal of that request is a verified abort: the
 * upload's folder (parts, key, metadata; where s3rver's store keeps it) is removed and the answer is S3's 204.
 */
function abortMultipartUploads(server: S3rver): void {
  const app = server as unknown as {
    middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
    store: { getResourcePath(bucket: string, key: undefined, resource: string): string };
  };
  app.middleware.unshift(async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    const bucket = decodeURIComponent(ctx.path.split("/")[1] ?? "");
    try {
      await next();
      return;
    } catch (err) {
      const refused = (err as { code?: string }).code === "MethodNotAllowed";
      if (!refused || ctx.method !== "DELETE" || typeof uploadId !== "string" || !/^[0-9a-f]+$/.test(uploadId)) throw err;
      if (!bucket || bucket.includes("..")) throw err;
    }
    await rm(path.join(app.store.getResourcePath(bucket, undefined, "uploads"), uploadId), { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = null;
  });
}

/**
 * s3rver deletes the keys of one DeleteObjects request all at once, and each deletion then removes its folders if
 * they are empty: two of them can find the same folder empty, and the later one fails on the folder the other just
 * removed (ENOENT from scandir, a 500; seen deleting a one-hour recording). The object is gone either way.
 */
function tolerateFoldersEmptiedElsewhere(server: S3rver): void {
  const store = (server as unknown as { store: { deleteObject(bucket: string, key: string): Promise<void> } }).store;
  const deleteObject = store.deleteObject.bind(store);
  store.deleteObject = async (bucket, key) => {
    try {
      await deleteObject(bucket, key);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
  };
}

interface ListedObjects {
  objects: { key: string; lastModifiedDate: Date; size: number; metadata: { etag: string } }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

const TOKEN_PREFIX = "vhd1.";

/**
 * s3rver makes (and reads) ListObjectsV2 continuation tokens with DES, which OpenSSL 3 no longer offers: any listing
 * of more than 1,000 keys failed with a 500, so a one-hour recording (1,800 live segments) could be neither attested,
 * swept nor deleted on the embedded store. That failure, after s3rver's router has checked the signature, is
 * answered here from s3rver's own store, with a token that is the last key, encoded.
 */
function listPastAThousandKeys(server: S3rver): void {
  const app = server as unknown as {
    middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
    store: {
      listObjects(bucket: string, o: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number }): Promise<ListedObjects>;
    };
  };
  app.middleware.unshift(async (ctx, next) => {
    try {
      await next();
      return;
    } catch (err) {
      const desRefused = (err as { code?: string }).code === "ERR_OSSL_EVP_UNSUPPORTED";
      if (!desRefused || ctx.method !== "GET" || ctx.query["list-type"] !== "2") throw err;
    }
    const q = ctx.query as Record<string, string | undefined>;
    const bucket = decodeURIComponent(ctx.path.split("/")[1] ?? "");
    const token = q["continuation-token"];
    const startAfter = token ? decodeToken(token) : q["start-after"];
    if (startAfter === null) {
      ctx.status = 400;
      ctx.type = "application/xml";
      ctx.body = errorXml("InvalidArgument", "The continuation token provided is incorrect");
      return;
    }
    const maxKeys = Math.min(1000, Number(q["max-keys"] ?? 1000));
    const delimiter = q.delimiter || undefined;
    const result = await app.store.listObjects(bucket, { prefix: q.prefix || undefined, delimiter, startAfter, maxKeys });
    const last = result.objects.at(-1)?.key;
    ctx.status = 200;
    ctx.type = "application/xml";
    ctx.body = listXml({
      Name: bucket,
      Prefix: q.prefix ?? "",
      StartAfter: token ? undefined : q["start-after"],
      ContinuationToken: token,
      NextContinuationToken: result.isTruncated && last !== undefined ? TOKEN_PREFIX + Buffer.from(last).toString("base64url") : undefined,
      KeyCount: result.objects.length,
      MaxKeys: q["max-keys"] ?? 1000,
      Delimiter: delimiter,
      IsTruncated: result.isTruncated,
      Contents: result.objects.map((o) => ({
        Key: o.key,
        LastModified: o.lastModifiedDate.toISOString(),
        ETag: o.metadata.etag,
        Size: o.size,
        StorageClass: "STANDARD",
      })),
      CommonPrefixes: result.commonPrefixes.map((prefix) => ({ Prefix: prefix })),
    });
  });
}

function decodeToken(token: string): string | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const key = Buffer.from(token.slice(TOKEN_PREFIX.length), "base64url").toString("utf8");
  return key.length > 0 ? key : null;
}

let xmlBuilder: { build(o: object): string } | undefined;

/** XML as s3rver writes it (its own builder and escaping, made once), for a ListBucketResult. */
function listXml(result: Record<string, unknown>): string {
  if (!xmlBuilder) {
    const require = createRequire(createRequire(import.meta.url).resolve("@20minutes/s3rver"));
    const { XMLBuilder } = require("fast-xml-parser") as { XMLBuilder: new (o: object) => { build(o: object): string } };
    const he = require("he") as { escape(s: string, o: object): string };
    xmlBuilder = new XMLBuilder({
      ignoreAttributes: false,
      attributesGroupName: "@",
      tagValueProcessor: (_: string, a: unknown) => he.escape(String(a), { useNamedReferences: true }).replace(/&quot;/g, '"'),
    });
  }
  const builder = xmlBuilder;
  const body = { ListBucketResult: { "@": { xmlns: "http://doc.s3.amazonaws.com/2006-03-01/" }, ...result } };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(body)}`;
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
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
export function signBucketPathsWithoutSlash(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string };
      if (typeof request.path === "string" && /^\/[^/]+\/$/.test(request.path)) request.path = request.path.slice(0, -1);
      return next(args);
    },
    { step: "build", name: "embeddedBucketPath" },
  );
}
