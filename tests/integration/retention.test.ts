// Retention sweep against the embedded S3 server: expired recordings' objects (including ones the
// database never knew about under their prefix) are deleted, verified gone by listing, and only then
// marked; a recording whose deletion S3 refuses stays unmarked with its objects intact. s3rver has no
// lifecycle support, which applyLifecycleRule reports instead of throwing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { applyLifecycleRule } from "@/server/platform/storage/s3-lifecycle";
import { S3ObjectStorage } from "@/server/platform/storage/s3-storage";
import { sweepExpiredRecordings, type ExpiredRecording } from "@/server/recordings/retention";

const BUCKET = "test-retention";

describe("retention sweep (embedded S3)", () => {
  let dir: string;
  let store: ObjectStore;
  const put = (Key: string) => store.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: `bytes of ${Key}` }));
  const allKeys = async () => {
    const out = await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (out.Contents ?? []).map((c) => c.Key!).sort();
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-retention-"));
    store = await openObjectStore({ region: "us-east-1", bucket: BUCKET, forcePathStyle: true, embeddedDir: dir, embeddedPort: 0 });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("deletes expired recordings' objects, checks nothing remains, then marks them", async () => {
    for (const key of [
      "recordings/old-1/composite.mp4",
      "recordings/old-1/meta.json",
      "recordings/old-1/thumb.jpg", // under the prefix but unknown to the database
      "recordings/old-10/composite.mp4", // a neighbour whose id starts the same: must survive
      "legacy/old-2.mp4",
      "recordings/keep/composite.mp4",
    ]) {
      await put(key);
    }
    const marked: string[] = [];
    const expired: ExpiredRecording[] = [
      { id: "old-1", prefix: "recordings/old-1/", keys: ["recordings/old-1/composite.mp4", "recordings/old-1/meta.json"] },
      { id: "old-2", keys: ["legacy/old-2.mp4", "legacy/already-gone.mp4"] },
    ];
    const result = await sweepExpiredRecordings({
      storage: store,
      listExpired: async () => expired,
      markExpired: async (id) => void marked.push(id),
    });
    expect(result).toEqual({
      expired: [
        { id: "old-1", deletedObjects: 3 },
        { id: "old-2", deletedObjects: 2 },
      ],
      failed: [],
    });
    expect(marked).toEqual(["old-1", "old-2"]);
    expect(await allKeys()).toEqual(["recordings/keep/composite.mp4", "recordings/old-10/composite.mp4"]);
  });

  it("leaves a recording unmarked, objects intact, when S3 refuses the deletion", async () => {
    await put("recordings/denied/composite.mp4");
    const credentials = await store.client.config.credentials();
    // A real refusal: the server rejects this client's signatures (403), as with revoked credentials.
    const refused = new S3Client({
      endpoint: store.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: "not-the-secret" },
      maxAttempts: 1,
    });
    const marked: string[] = [];
    const result = await sweepExpiredRecordings({
      storage: new S3ObjectStorage(refused, BUCKET, "s3", store.endpoint),
      listExpired: async () => [{ id: "denied", prefix: "recordings/denied/", keys: ["recordings/denied/composite.mp4"] }],
      markExpired: async (id) => void marked.push(id),
    });
    refused.destroy();
    expect(result.expired).toEqual([]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.id).toBe("denied");
    expect(marked).toEqual([]);
    expect(await allKeys()).toContain("recordings/denied/composite.mp4");

    // The next sweep with working credentials finishes the job.
    const retry = await sweepExpiredRecordings({
      storage: store,
      listExpired: async () => [{ id: "denied", prefix: "recordings/denied/", keys: ["recordings/denied/composite.mp4"] }],
      markExpired: async (id) => void marked.push(id),
    });
    expect(retry.expired).toEqual([{ id: "denied", deletedObjects: 1 }]);
    expect(marked).toEqual(["denied"]);
    expect(await allKeys()).not.toContain("recordings/denied/composite.mp4");
  });

  it("reports that the embedded server cannot apply a lifecycle rule", async () => {
    const result = await applyLifecycleRule(store.client, BUCKET);
    expect(result.applied).toBe(false);
    expect(result.applied === false && result.reason).toMatch(/NotImplemented/);
  });
});
