// The embedded S3-compatible store through the real AWS SDK: bucket created, objects round-trip,
// and signatures are really checked (a client with the wrong secret is refused).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";

describe("embedded object store", () => {
  let dir: string;
  let store: ObjectStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-s3-"));
    store = await openObjectStore({
      region: "us-east-1",
      bucket: "test-recordings",
      forcePathStyle: true,
      embeddedDir: dir,
      embeddedPort: 0,
    });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the bucket, reports healthy and round-trips objects", async () => {
    expect(store.mode).toBe("embedded");
    expect(await store.ping()).toMatchObject({ ok: true });
    await store.client.send(new PutObjectCommand({ Bucket: "test-recordings", Key: "r/1.txt", Body: "hello" }));
    const got = await store.client.send(new GetObjectCommand({ Bucket: "test-recordings", Key: "r/1.txt" }));
    expect(await got.Body!.transformToString()).toBe("hello");
    const listed = await store.client.send(new ListObjectsV2Command({ Bucket: "test-recordings" }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(["r/1.txt"]);
  });

  it("refuses requests signed with the wrong secret, including the well-known default key", async () => {
    const credentials = await store.client.config.credentials();
    for (const creds of [
      { accessKeyId: credentials.accessKeyId, secretAccessKey: "wrong-secret" },
      { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    ]) {
      const intruder = new S3Client({ endpoint: store.endpoint, region: "us-east-1", credentials: creds, forcePathStyle: true });
      await expect(intruder.send(new GetObjectCommand({ Bucket: "test-recordings", Key: "r/1.txt" }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 403 },
      });
      intruder.destroy();
    }
  });

  it("refuses unsigned requests (s3rver served them as anonymous), and a presigned link stripped of its query", async () => {
    await store.client.send(new PutObjectCommand({ Bucket: "test-recordings", Key: "r/secret.mp4", Body: "movie bytes" }));
    const plain = `${store.endpoint}/test-recordings/r/secret.mp4`;
    const anonymous = await fetch(plain);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("AccessDenied");
    expect((await fetch(`${store.endpoint}/test-recordings?list-type=2`)).status).toBe(403);
    // The presigned link works; without its query string it is the same unsigned request.
    const link = await getSignedUrl(store.client, new GetObjectCommand({ Bucket: "test-recordings", Key: "r/secret.mp4" }), {
      expiresIn: 60,
    });
    expect(await (await fetch(link)).text()).toBe("movie bytes");
    expect((await fetch(link.split("?")[0]!)).status).toBe(403);
  });

  it("reports an unreachable store as unhealthy instead of throwing", async () => {
    const other = await openObjectStore({
      region: "us-east-1",
      bucket: "gone-bucket",
      forcePathStyle: true,
      embeddedDir: dir,
      embeddedPort: 0,
    });
    await other.close();
    const health = await other.ping();
    expect(health.ok).toBe(false);
    expect(health.error).toBeTruthy();
    await expect(other.client.send(new HeadBucketCommand({ Bucket: "gone-bucket" }))).rejects.toBeTruthy();
  });
});
