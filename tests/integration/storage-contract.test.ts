// One contract for every ObjectStorage backend, run against the embedded S3 server and against Azurite (Azure's
// emulator, started here on loopback): the same bytes come back, ranges are exact, signed links answer a real
// fetch with 206 and the asked Content-Type/Content-Disposition and are refused once expired, listing and prefix
// deletion touch only their prefix, listing goes past a thousand keys,
// a file above the part size goes up in parts, and missing objects say so. The
// embedded server also reports the requests it fails (5xx) with their cause.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "@/server/platform/object-store";
import type { AzureObjectStorage } from "@/server/platform/storage/azure-storage";
import { ObjectNotFoundError, type ObjectStorage, RangeNotSatisfiableError } from "@/server/platform/storage/object-storage";
import type { EmbeddedS3Failure } from "@/server/platform/storage/s3-embedded";
import type { S3ObjectStorage } from "@/server/platform/storage/s3-storage";
import { attachmentDisposition } from "@/server/recordings/playback-links";
import { type Azurite, startAzurite } from "@/tests/support/azurite";

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function text(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

interface Backend {
  storage: ObjectStorage;
  /** How many parts the object was sent in (S3: UploadPart requests, s3rver's ETag does not tell; Azure: committed blocks). */
  parts(key: string): Promise<number>;
  close(): Promise<void>;
}

function storageContract(name: string, open: (dir: string) => Promise<Backend>) {
  describe(`ObjectStorage contract: ${name}`, () => {
    let dir: string;
    let backend: Backend;
    let storage: ObjectStorage;
    const movie = randomBytes(5000);

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "vhd-storage-contract-"));
      backend = await open(dir);
      storage = backend.storage;
      await storage.put("c/movie.mp4", movie, { contentType: "application/octet-stream", metadata: { "source-size": "5000" } });
    }, 60_000);
    afterAll(async () => {
      await backend?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("answers ping and round-trips bytes, content type and metadata; a second put replaces the object", async () => {
      expect((await storage.ping()).ok).toBe(true);
      expect((await storage.getBytes("c/movie.mp4")).equals(movie)).toBe(true);
      expect(await storage.head("c/movie.mp4")).toEqual({
        size: 5000,
        contentType: "application/octet-stream",
        metadata: { "source-size": "5000" },
      });
      await storage.put("c/note.txt", "first", { contentType: "text/plain" });
      await storage.put("c/note.txt", "second, longer");
      expect((await storage.getBytes("c/note.txt")).toString()).toBe("second, longer");
      expect(await storage.exists("c/note.txt")).toBe(true);
    });

    it("reads exact byte ranges (a-b, a-, -n) and refuses one beyond the object", async () => {
      const mid = await storage.getStream("c/movie.mp4", { range: "bytes=100-199" });
      expect((await text(mid.body)).equals(movie.subarray(100, 200))).toBe(true);
      expect(mid.contentLength).toBe(100);
      expect(mid.contentRange).toBe("bytes 100-199/5000");
      const tail = await storage.getStream("c/movie.mp4", { range: "bytes=4990-" });
      expect((await text(tail.body)).equals(movie.subarray(4990))).toBe(true);
      expect(tail.contentRange).toBe("bytes 4990-4999/5000");
      const suffix = await storage.getStream("c/movie.mp4", { range: "bytes=-7" });
      expect((await text(suffix.body)).equals(movie.subarray(4993))).toBe(true);
      const whole = await storage.getStream("c/movie.mp4", { range: "bytes=0-" });
      expect((await text(whole.body)).equals(movie)).toBe(true);
      expect(whole.contentRange).toBe("bytes 0-4999/5000");
      await expect(storage.getStream("c/movie.mp4", { range: "bytes=6000-6100" })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
    });

    it("signs read links: a real fetch with Range gets 206 and the exact bytes, served as the asked content type", async () => {
      const url = await storage.signedReadUrl("c/movie.mp4", {
        expiresInSeconds: 60,
        contentType: "video/mp4",
        contentDisposition: "inline",
      });
      const res = await fetch(url, { headers: { Range: "bytes=0-99" } });
      expect(res.status).toBe(206);
      expect(Buffer.from(await res.arrayBuffer()).equals(movie.subarray(0, 100))).toBe(true);
      expect(res.headers.get("content-range")).toBe("bytes 0-99/5000");
      expect(res.headers.get("content-type")).toBe("video/mp4");
      expect(res.headers.get("content-disposition")).toBe("inline");
      // Read-only: the same link does not write.
      expect((await fetch(url, { method: "PUT", body: "overwritten" })).status).toBeGreaterThanOrEqual(400);
      expect((await storage.getBytes("c/movie.mp4")).equals(movie)).toBe(true);
    });

    it("download links carry Content-Disposition: attachment with the file name", async () => {
      const disposition = attachmentDisposition('Réunion "client" (2026).mp4');
      const url = await storage.signedReadUrl("c/movie.mp4", { expiresInSeconds: 60, contentDisposition: disposition });
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="Reunion _client_ _2026_.mp4"');
      expect(Buffer.from(await res.arrayBuffer()).equals(movie)).toBe(true);
    });

    it("refuses a link once it expired", async () => {
      const url = await storage.signedReadUrl("c/movie.mp4", { expiresInSeconds: 3 });
      expect((await fetch(url, { headers: { Range: "bytes=0-9" } })).status).toBe(206);
      await sleep(4500);
      const late = await fetch(url, { headers: { Range: "bytes=0-9" } });
      expect(late.status).toBe(403);
      expect(Buffer.from(await late.arrayBuffer()).includes(movie.subarray(0, 10))).toBe(false);
    }, 15_000);

    it("lists by prefix (nothing outside it, a neighbour with the same start included) and deletes one, many and a prefix", async () => {
      const keys = Array.from({ length: 12 }, (_, i) => `p/r1/k${String(i).padStart(2, "0")}`);
      for (const key of [...keys, "p/r1/sub/deep.bin", "p/r10/neighbour.bin", "p/r2.bin"]) await storage.put(key, key);
      expect(await storage.list("p/r1/")).toEqual([...keys, "p/r1/sub/deep.bin"]);
      await storage.delete("p/r1/k00");
      await storage.delete("p/r1/never-was"); // not an error
      expect(await storage.deleteMany(["p/r1/k01", "p/r1/k02", "p/r1/also-never-was"])).toBe(3);
      expect(await storage.list("p/r1/k0")).toEqual(keys.slice(3, 10));
      expect(await storage.deletePrefix("p/r1/")).toBe(10);
      expect(await storage.list("p/r1/")).toEqual([]);
      expect(await storage.list("p/")).toEqual(["p/r10/neighbour.bin", "p/r2.bin"]);
      expect((await storage.getBytes("p/r10/neighbour.bin")).toString()).toBe("p/r10/neighbour.bin");
    });

    it("lists and deletes past a thousand keys (a one-hour recording has 1,800 live segments)", async () => {
      const keys = Array.from({ length: 2150 }, (_, i) => `many/r/s${String(i).padStart(5, "0")}.m4s`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => storage.put(k, "x")));
      await storage.put("many/rest.bin", "y");
      expect(await storage.list("many/r/")).toEqual(keys);
      expect(await storage.deletePrefix("many/r/")).toBe(keys.length);
      expect(await storage.list("many/")).toEqual(["many/rest.bin"]);
    }, 120_000);

    it("uploads a file above the part size in parts, with progress, and the same bytes come back", async () => {
      const file = path.join(dir, "big.bin");
      const bytes = randomBytes(12 * MB + 12345);
      writeFileSync(file, bytes);
      const progress: number[] = [];
      await storage.putFile("big/movie.mp4", file, {
        contentType: "video/mp4",
        partSizeBytes: 5 * MB,
        metadata: { "source-size": String(bytes.length) },
        onProgress: (loaded) => progress.push(loaded),
      });
      expect(await backend.parts("big/movie.mp4")).toBe(3);
      expect(progress.at(-1)).toBe(bytes.length);
      expect(await storage.head("big/movie.mp4")).toMatchObject({ size: bytes.length, contentType: "video/mp4" });
      expect(sha(await storage.getBytes("big/movie.mp4"))).toBe(sha(bytes));
      const range = await storage.getStream("big/movie.mp4", { range: `bytes=${6 * MB}-${6 * MB + 9}` });
      expect((await text(range.body)).equals(bytes.subarray(6 * MB, 6 * MB + 10))).toBe(true);
    }, 60_000);

    it("uploads parts in any order (part 1 last, one sent twice) and commits them in part-number order", async () => {
      const parts = [randomBytes(5 * MB), randomBytes(5 * MB + 7), randomBytes(1234)];
      const upload = await storage.startMultipart("mp/movie.mp4", { contentType: "video/mp4", metadata: { origin: "parts" } });
      await upload.uploadPart(3, randomBytes(99));
      await upload.uploadPart(2, parts[1]!);
      await upload.uploadPart(3, parts[2]!);
      expect(await storage.head("mp/movie.mp4"), "nothing visible before complete").toBeNull();
      await upload.uploadPart(1, parts[0]!);
      await upload.complete();
      expect(await storage.head("mp/movie.mp4")).toEqual({
        size: 10 * MB + 7 + 1234,
        contentType: "video/mp4",
        metadata: { origin: "parts" },
      });
      expect(sha(await storage.getBytes("mp/movie.mp4"))).toBe(sha(Buffer.concat(parts)));
    }, 60_000);

    it("aborts a multipart upload: no object is left, and an existing one stays as it was", async () => {
      const upload = await storage.startMultipart("mp/abandoned.mp4", { contentType: "video/mp4" });
      await upload.uploadPart(1, randomBytes(5 * MB));
      await upload.uploadPart(2, randomBytes(100));
      await upload.abort();
      expect(await storage.head("mp/abandoned.mp4")).toBeNull();
      expect(await storage.list("mp/abandoned")).toEqual([]);
      const over = await storage.startMultipart("c/movie.mp4");
      await over.uploadPart(1, randomBytes(100));
      await over.abort();
      expect((await storage.getBytes("c/movie.mp4")).equals(movie)).toBe(true);
    }, 60_000);

    it("says an object is missing: not-found errors, null head, 404 through a signed link", async () => {
      await expect(storage.getBytes("c/missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(storage.getStream("c/missing", { range: "bytes=0-1" })).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await storage.head("c/missing")).toBeNull();
      expect(await storage.exists("c/missing")).toBe(false);
      const res = await fetch(await storage.signedReadUrl("c/missing", { expiresInSeconds: 60 }));
      expect(res.status).toBe(404);
    });
  });
}

storageContract("embedded S3", async (dir) => {
  const storage = (await openStorage({
    backend: "s3",
    s3: { region: "us-east-1", bucket: "contract", forcePathStyle: true, embeddedDir: path.join(dir, "s3"), embeddedPort: 0 },
  })) as S3ObjectStorage;
  const uploadedParts = new Map<string, number>();
  storage.client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key;
      if (context.commandName === "UploadPartCommand" && key) uploadedParts.set(key, (uploadedParts.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: "initialize", name: "countUploadParts" },
  );
  return {
    storage,
    parts: async (key) => uploadedParts.get(key) ?? 1,
    close: () => storage.close(),
  };
});

let azurite: Azurite | undefined;
storageContract("Azure Blob Storage (Azurite)", async () => {
  azurite = await startAzurite();
  const storage = (await openStorage({
    backend: "azure",
    azure: { connectionString: azurite.connectionString, container: "contract" },
  })) as AzureObjectStorage;
  return {
    storage,
    parts: async (key) => (await storage.containerClient.getBlockBlobClient(key).getBlockList("committed")).committedBlocks?.length ?? 0,
    close: async () => {
      await storage.close();
      await azurite?.stop();
    },
  };
});

describe("embedded S3 server failures", () => {
  it("names the request and the cause of a 500, which s3rver's silent mode swallowed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vhd-s3-failure-"));
    const failures: EmbeddedS3Failure[] = [];
    const storage = await openStorage({
      backend: "s3",
      s3: {
        region: "us-east-1",
        bucket: "fails",
        forcePathStyle: true,
        embeddedDir: path.join(dir, "s3"),
        embeddedPort: 0,
        onEmbeddedFailure: (f) => failures.push(f),
      },
    });
    try {
      // A plain file where s3rver needs the key's folder: writing under it fails inside the server.
      writeFileSync(path.join(dir, "s3", "fails", "blocked"), "not a folder");
      await expect(storage.put("blocked/movie.mp4", Buffer.from("x"))).rejects.toThrow();
      // Each attempt of the SDK's retries is one failure, each named.
      const attempts = failures.length;
      expect(attempts).toBeGreaterThanOrEqual(1);
      for (const f of failures) {
        expect(f).toMatchObject({ method: "PUT", path: "/fails/blocked/movie.mp4", status: 500 });
        expect(f.code).toMatch(/^E[A-Z]+$/);
      }
      // Refusals the client caused are not server failures.
      await expect(storage.getBytes("absent")).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(failures).toHaveLength(attempts);
      // The server stays up.
      await storage.put("fine", Buffer.from("ok"));
      expect((await storage.getBytes("fine")).toString()).toBe("ok");
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
