// Recording upload and playback links against the embedded S3 server (started through the app's
// openObjectStore), checked with plain S3 calls and plain HTTP: sizes confirmed before local files go,
// an S3 outage (before or during an upload) keeps the local file and the retry succeeds once S3 is back,
// presigned links serve ranges, expire, and download as attachments.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { S3ObjectStorage } from "@/server/platform/storage/s3-storage";
import { clampLinkSeconds, createDownloadLink, createPlaybackLink } from "@/server/recordings/playback-links";
import { uploadRecordingFiles, type UploadProgress } from "@/server/recordings/compose/upload-sink";

const BUCKET = "test-recordings";
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("recording upload and playback links (embedded S3)", () => {
  let work: string;
  let s3dir: string;
  let port: number;
  let store: ObjectStore | null;
  // Uploads go through a client of our own that outlives the server restarts below; it signs with the
  // first run's key pair, which the embedded server's in-process account keeps accepting.
  let uploader: S3Client;
  let uploaderStore: S3ObjectStorage;

  const openStore = async () =>
    (store = await openObjectStore({ region: "us-east-1", bucket: BUCKET, forcePathStyle: true, embeddedDir: s3dir, embeddedPort: port }));
  const stopStore = async () => {
    await store?.close();
    store = null;
  };
  const listed = async (prefix: string) => {
    const out = await store!.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return Object.fromEntries((out.Contents ?? []).map((c) => [c.Key!, c.Size!]));
  };
  const localFile = (name: string, bytes: number) => {
    const file = path.join(work, name);
    writeFileSync(file, randomBytes(bytes));
    return file;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "vhd-upload-"));
    s3dir = path.join(work, "s3");
    port = await freePort();
    await openStore();
    const credentials = await store!.client.config.credentials();
    uploader = new S3Client({
      endpoint: store!.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 1, // the uploader's own retries are under test, not the SDK's
    });
    uploaderStore = new S3ObjectStorage(uploader, BUCKET, "embedded", store!.endpoint);
  });
  afterAll(async () => {
    uploader?.destroy();
    await stopStore();
    rmSync(work, { recursive: true, force: true });
  });

  it("uploads multipart, confirms sizes, skips confirmed files on a rerun and deletes local files only when asked", async () => {
    const movie = localFile("movie.mp4", 20 * MB + 12345);
    const meta = localFile("meta.json", 777);
    const progress: UploadProgress[] = [];
    const files = [
      { path: movie, key: "composite.mp4", contentType: "video/mp4" },
      { path: meta, key: "meta.json", contentType: "application/json" },
    ];
    const first = await uploadRecordingFiles({
      storage: uploaderStore,
      prefix: "recordings/r1",
      files,
      onProgress: (p) => progress.push(p),
    });
    expect(first).toEqual([
      { key: "recordings/r1/composite.mp4", size: 20 * MB + 12345, uploaded: true, localDeleted: false },
      { key: "recordings/r1/meta.json", size: 777, uploaded: true, localDeleted: false },
    ]);
    expect(await listed("recordings/r1/")).toEqual({ "recordings/r1/composite.mp4": 20 * MB + 12345, "recordings/r1/meta.json": 777 });
    // 3 parts of 8 MB: progress reported per part, ending at the full size.
    const movieProgress = progress.filter((p) => p.key.endsWith("composite.mp4"));
    expect(movieProgress.length).toBeGreaterThanOrEqual(3);
    expect(movieProgress.at(-1)).toMatchObject({ loaded: 20 * MB + 12345, fileIndex: 0, fileCount: 2 });
    expect(existsSync(movie) && existsSync(meta)).toBe(true);

    const head = await store!.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "recordings/r1/composite.mp4", Range: "bytes=0-0" }));
    expect(head.ContentType).toBe("video/mp4");

    const rerun = await uploadRecordingFiles({ storage: uploaderStore, prefix: "recordings/r1/", files, deleteLocal: true });
    expect(rerun.map((r) => [r.uploaded, r.localDeleted])).toEqual([
      [false, true],
      [false, true],
    ]);
    expect(existsSync(movie) || existsSync(meta)).toBe(false);
    // A run restarted after the deletion finds the confirmed objects and succeeds without local files.
    const afterDeletion = await uploadRecordingFiles({ storage: uploaderStore, prefix: "recordings/r1/", files, deleteLocal: true });
    expect(afterDeletion.map((r) => r.uploaded)).toEqual([false, false]);
  });

  it("keeps the local file while S3 is down and uploads it once S3 is back", async () => {
    const movie = localFile("down.mp4", 3 * MB);
    const files = [{ path: movie, key: "composite.mp4", contentType: "video/mp4" }];
    await stopStore();
    const started = Date.now();
    await expect(
      uploadRecordingFiles({
        storage: uploaderStore,
        prefix: "recordings/r2",
        files,
        deleteLocal: true,
        retry: { attempts: 3, baseDelayMs: 200 },
      }),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(200); // it waited between its tries
    expect(existsSync(movie)).toBe(true);

    await openStore();
    const done = await uploadRecordingFiles({ storage: uploaderStore, prefix: "recordings/r2", files, deleteLocal: true });
    expect(done).toEqual([{ key: "recordings/r2/composite.mp4", size: 3 * MB, uploaded: true, localDeleted: true }]);
    expect(await listed("recordings/r2/")).toEqual({ "recordings/r2/composite.mp4": 3 * MB });
    expect(existsSync(movie)).toBe(false);
  });

  it("survives the S3 server stopping in the middle of a multipart upload", async () => {
    const size = 48 * MB + 1;
    const movie = localFile("interrupted.mp4", size);
    const warnings: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
    let stopping: Promise<void> | null = null;
    let stoppedWhileFileExisted = false;
    const upload = uploadRecordingFiles({
      storage: uploaderStore,
      prefix: "recordings/r3",
      files: [{ path: movie, key: "composite.mp4", contentType: "video/mp4" }],
      deleteLocal: true,
      retry: { attempts: 8, baseDelayMs: 300, maxDelayMs: 1500 },
      logger,
      onProgress: (p) => {
        if (!stopping && p.loaded > 0 && p.loaded < size) {
          stopping = stopStore().then(() => void (stoppedWhileFileExisted = existsSync(movie)));
        }
      },
    });
    await until(() => stopping !== null);
    await stopping;
    await sleep(1500); // down long enough for tries to fail
    expect(stoppedWhileFileExisted).toBe(true);
    expect(existsSync(movie)).toBe(true);
    await openStore();
    const [result] = await upload;
    expect(result).toMatchObject({ key: "recordings/r3/composite.mp4", size, uploaded: true, localDeleted: true });
    expect(warnings.some((w) => w.includes("retrying"))).toBe(true);
    expect(await listed("recordings/r3/")).toEqual({ "recordings/r3/composite.mp4": size });
    expect(existsSync(movie)).toBe(false);
  });

  describe("presigned links", () => {
    const key = "recordings/play/composite.mp4";
    let body: Buffer;
    beforeAll(async () => {
      const file = localFile("play.mp4", 5000);
      body = (await import("node:fs")).readFileSync(file);
      await uploadRecordingFiles({
        storage: uploaderStore,
        prefix: "recordings/play",
        files: [{ path: file, key: "composite.mp4", contentType: "application/octet-stream" }],
      });
    });

    it("serves byte ranges inline as video/mp4", async () => {
      const link = await createPlaybackLink({ storage: store!, key, expiresInSeconds: 60 });
      const res = await fetch(link.url, { headers: { Range: "bytes=0-99" } });
      expect(res.status).toBe(206);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(100);
      expect(bytes.equals(body.subarray(0, 100))).toBe(true);
      expect(res.headers.get("content-type")).toBe("video/mp4");
      expect(res.headers.get("content-range")).toBe("bytes 0-99/5000");
    });

    it("refuses a link after it expired", async () => {
      const link = await createPlaybackLink({ storage: store!, key, expiresInSeconds: 1 });
      expect((await fetch(link.url, { headers: { Range: "bytes=0-9" } })).status).toBe(206);
      await sleep(2000);
      const late = await fetch(link.url, { headers: { Range: "bytes=0-9" } });
      expect(late.status).toBe(403);
      expect(await late.text()).toContain("expired");
    });

    it("makes download links that the browser saves as an attachment", async () => {
      const link = await createDownloadLink({ storage: store!, key, filename: 'Réunion "client" (2026).mp4' });
      const res = await fetch(link.url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
      const disposition = res.headers.get("content-disposition") ?? "";
      expect(disposition).toBe('attachment; filename="Reunion _client_ _2026_.mp4"');
    });

    it("clamps link lifetimes to the 15-minute cap", async () => {
      expect(clampLinkSeconds(3600)).toBe(900);
      expect(clampLinkSeconds(0)).toBe(1);
      expect(clampLinkSeconds(undefined)).toBe(300);
      expect(clampLinkSeconds(600, 120)).toBe(120);
      const link = await createPlaybackLink({ storage: store!, key, expiresInSeconds: 86_400 });
      expect(new URL(link.url).searchParams.get("X-Amz-Expires")).toBe("900");
    });
  });
});

async function until(probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(20);
  }
}
