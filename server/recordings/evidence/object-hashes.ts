// SHA-256 and size of a recording's stored objects, streamed from the store (never the local copies: what is
// checked later is what the store holds).
import { createHash } from "node:crypto";
import type { EvidenceObject } from "@/lib/evidence/evidence-chain";
import { eachLimited, type ObjectStorage } from "@/server/platform/storage/object-storage";
import { recordingPrefix } from "@/server/recordings/recording-objects";

/**
 * Objects under a recording's prefix that are rewritten after the recording is ready, so no hash of them could hold:
 * the live output's index (its `updatedAt` and heartbeat change while anything touches the output).
 */
export const MUTABLE_OBJECTS = [/^live\/index\.json$/];

export const isEvidenceObject = (recordingId: string, key: string) =>
  key.startsWith(recordingPrefix(recordingId)) && !MUTABLE_OBJECTS.some((re) => re.test(key.slice(recordingPrefix(recordingId).length)));

export async function hashObject(storage: ObjectStorage, key: string): Promise<{ sha256: string; bytes: number }> {
  const { body } = await storage.getStream(key);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    hash.update(b);
    bytes += b.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** Every object the recording has in the store right now, hashed (two at a time: the store does the work). */
export async function hashRecordingObjects(storage: ObjectStorage, recordingId: string): Promise<EvidenceObject[]> {
  const keys = (await storage.list(recordingPrefix(recordingId))).filter((k) => isEvidenceObject(recordingId, k));
  const out: EvidenceObject[] = [];
  await eachLimited(keys, 2, async (key) => {
    out.push({ key, ...(await hashObject(storage, key)) });
  });
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
