// Checks one recording against its latest evidence record: the deployment's whole chain (contiguous seq, each
// prevHash the hash of the record before, every record intact and signed with this deployment's key), then every
// object the record lists, downloaded from the store and hashed. One line either way, for people and scripts.
import { createPublicKey, type KeyObject } from "node:crypto";
import { checkChain, keyIdOf, parseEvidence } from "@/lib/evidence/evidence-chain";
import { isObjectNotFound, type ObjectStorage } from "@/server/platform/storage/object-storage";
import { hashObject } from "@/server/recordings/evidence/object-hashes";
import type { EvidenceStore } from "@/server/recordings/evidence/evidence-store";

export type Verdict = { ok: true; line: string } | { ok: false; line: string };

const fail = (what: string): Verdict => ({ ok: false, line: `FAIL ${what}` });

export async function verifyRecording(
  deps: { evidence: Pick<EvidenceStore, "chain">; storage: ObjectStorage; key: KeyObject },
  recordingId: string,
): Promise<Verdict> {
  const publicKey = deps.key.type === "private" ? createPublicKey(deps.key) : deps.key;
  const chain = await deps.evidence.chain();
  const latest = chain.filter((r) => r.recordingId === recordingId).at(-1);
  if (!latest) return fail(`recording ${recordingId}: no evidence record`);
  const broken = checkChain(chain, publicKey);
  if (broken) return fail(broken);
  const body = parseEvidence(latest.canonical);
  if (body.recordingId !== recordingId) return fail(`evidence record ${latest.seq}: made for recording ${body.recordingId}`);
  for (const object of body.objects) {
    let actual: { sha256: string; bytes: number };
    try {
      actual = await hashObject(deps.storage, object.key);
    } catch (err) {
      if (isObjectNotFound(err)) return fail(`${object.key}: missing from the store`);
      throw err;
    }
    if (actual.bytes !== object.bytes) return fail(`${object.key}: size ${actual.bytes} bytes, recorded ${object.bytes}`);
    if (actual.sha256 !== object.sha256) return fail(`${object.key}: sha256 mismatch`);
  }
  return {
    ok: true,
    line:
      `OK recording ${recordingId}: ${body.objects.length} objects match evidence record ${latest.seq} of ${chain.length}, ` +
      `signed by key ${keyIdOf(publicKey)}, chain intact`,
  };
}
