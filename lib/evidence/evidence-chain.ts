// Tamper evidence for recordings, the pure part: the canonical text of an evidence record, its hash, its Ed25519
// signature, and the checks of one deployment's chain of records. The exact canonical bytes are what is hashed,
// signed and stored, so a verifier never has to re-serialize anything to check them.
import { createHash, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/** The prevHash of the first record of a deployment's chain. */
export const GENESIS_HASH = "0".repeat(64);
export const EVIDENCE_VERSION = 1;

export interface EvidenceObject {
  key: string;
  sha256: string;
  bytes: number;
}

/** What is known about the recording when its objects are stored; every field goes into the signed text. */
export interface EvidenceFacts {
  recordingId: string;
  ticketId: string | null;
  meetingPointId: string;
  participants: { id: string; displayName: string }[];
  consents: { userId: string; displayName: string; decision: string; textSha256: string; at: string }[];
  spans: { from: string; to: string | null }[];
  startedAt: string | null;
  stoppedAt: string | null;
  readyAt: string | null;
  layout: { layout: string; layoutChanges: { atMs: number; layout: string }[] };
  objects: EvidenceObject[];
}

export interface EvidenceBody extends EvidenceFacts {
  version: number;
  seq: number;
  prevHash: string;
  keyId: string;
  createdAt: string;
}

/** One record as stored: the canonical text and what was derived from it when it was appended. */
export interface StoredEvidence {
  seq: number;
  prevHash: string;
  hash: string;
  keyId: string;
  canonical: string;
  signature: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * JSON with object keys sorted by code unit at every level, no whitespace, `undefined` members left out; numbers must
 * be finite. Arrays keep their order (the caller sorts what has no order of its own).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value));
}

function normalize(value: unknown): Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("canonical JSON has no non-finite numbers");
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalize(v)));
  if (typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = normalize(v);
    }
    return out;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

export const sha256Hex = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The key id: SHA-256 of the public key's DER SubjectPublicKeyInfo, lowercase hex. */
export function keyIdOf(key: KeyObject): string {
  const spki = (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "der" });
  return sha256Hex(spki);
}

export function publicKeyPem(key: KeyObject): string {
  return (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "pem" }).toString();
}

/** Builds, serializes, hashes and signs the record that follows `previous` (null: the chain's first). */
export function sealEvidence(
  facts: EvidenceFacts,
  previous: { seq: number; hash: string } | null,
  privateKey: KeyObject,
  createdAt: Date,
): StoredEvidence {
  const keyId = keyIdOf(privateKey);
  const body: EvidenceBody = {
    ...facts,
    objects: [...facts.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    version: EVIDENCE_VERSION,
    seq: previous ? previous.seq + 1 : 1,
    prevHash: previous?.hash ?? GENESIS_HASH,
    keyId,
    createdAt: createdAt.toISOString(),
  };
  const canonical = canonicalJson(body);
  const bytes = Buffer.from(canonical, "utf8");
  return {
    seq: body.seq,
    prevHash: body.prevHash,
    hash: sha256Hex(bytes),
    keyId,
    canonical,
    signature: sign(null, bytes, privateKey).toString("base64"),
  };
}

export function parseEvidence(canonical: string): EvidenceBody {
  return JSON.parse(canonical) as EvidenceBody;
}

/** null when the record is intact and signed by `publicKey`; otherwise what is wrong with it. */
export function checkRecord(record: StoredEvidence, publicKey: KeyObject): string | null {
  const bytes = Buffer.from(record.canonical, "utf8");
  if (sha256Hex(bytes) !== record.hash) return "hash does not match its text";
  let body: EvidenceBody;
  try {
    body = parseEvidence(record.canonical);
  } catch {
    return "text is not JSON";
  }
  if (canonicalJson(body) !== record.canonical) return "text is not canonical";
  if (body.seq !== record.seq) return `text says seq ${body.seq}`;
  if (body.prevHash !== record.prevHash) return "prevHash differs from its text";
  if (body.keyId !== record.keyId) return "key id differs from its text";
  const keyId = keyIdOf(publicKey);
  if (record.keyId !== keyId) return `signed with key ${record.keyId.slice(0, 16)}…, not the deployment's ${keyId.slice(0, 16)}…`;
  let ok = false;
  try {
    ok = verify(null, bytes, publicKey, Buffer.from(record.signature, "base64"));
  } catch {
    ok = false;
  }
  return ok ? null : "signature invalid";
}

/**
 * Walks a whole chain in seq order: sequence numbers 1..n without gaps, each prevHash the hash of the record before,
 * each record intact and signed. Returns the first failure as one line, or null.
 */
export function checkChain(records: readonly StoredEvidence[], publicKey: KeyObject): string | null {
  const sorted = [...records].sort((a, b) => a.seq - b.seq);
  let previous: StoredEvidence | null = null;
  for (const record of sorted) {
    const expectedSeq = previous ? previous.seq + 1 : 1;
    if (record.seq !== expectedSeq) {
      const missing = expectedSeq === record.seq - 1 ? `record ${expectedSeq}` : `records ${expectedSeq}-${record.seq - 1}`;
      return `evidence chain: ${missing} missing (record ${record.seq} points at ${record.prevHash})`;
    }
    const expectedPrev = previous?.hash ?? GENESIS_HASH;
    if (record.prevHash !== expectedPrev) {
      return `evidence chain: record ${record.seq} points at ${record.prevHash}, but record ${previous ? previous.seq : "0 (genesis)"} hashes to ${expectedPrev}`;
    }
    const problem = checkRecord(record, publicKey);
    if (problem) return `evidence record ${record.seq}: ${problem}`;
    previous = record;
  }
  return null;
}
