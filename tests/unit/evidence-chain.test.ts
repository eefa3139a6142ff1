// The pure tamper-evidence logic: one canonical text per record whatever the key order it was built with, hashed
// and signed exactly as stored; a chain of records is accepted only when contiguous, linked and signed by the key.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import {
  canonicalJson,
  checkChain,
  checkRecord,
  type EvidenceFacts,
  GENESIS_HASH,
  keyIdOf,
  parseEvidence,
  sealEvidence,
  sha256Hex,
  type StoredEvidence,
} from "@/lib/evidence/evidence-chain";
import { parseEvidenceKey } from "@/lib/evidence/signing-key";

const { privateKey } = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519").privateKey;

const facts = (id: string): EvidenceFacts => ({
  recordingId: id,
  ticketId: null,
  meetingPointId: "mp-1",
  participants: [{ id: "agent:1", displayName: "Alice" }],
  consents: [{ userId: "visitor:v", displayName: "Vé", decision: "given", textSha256: "ab".repeat(32), at: "2026-12-04T10:00:00.000Z" }],
  spans: [{ from: "2026-12-04T10:00:00.000Z", to: "2026-12-04T10:01:00.000Z" }],
  startedAt: "2026-12-04T10:00:00.000Z",
  stoppedAt: "2026-12-04T10:01:00.000Z",
  readyAt: "2026-12-04T10:01:03.000Z",
  layout: { layout: "grid", layoutChanges: [] },
  objects: [
    { key: `recordings/${id}/poster.jpg`, sha256: "11".repeat(32), bytes: 10 },
    { key: `recordings/${id}/movie.mp4`, sha256: "22".repeat(32), bytes: 20 },
  ],
});

function chainOf(n: number, key = privateKey): StoredEvidence[] {
  const out: StoredEvidence[] = [];
  for (let i = 0; i < n; i++) out.push(sealEvidence(facts(`r${i}`), out.at(-1) ?? null, key, new Date(Date.UTC(2026, 11, 4, 11, i))));
  return out;
}

describe("canonical JSON", () => {
  it("sorts keys at every level, keeps array order, drops undefined members, has no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: "é" }], c: undefined } })).toBe('{"a":{"d":[3,{"y":"é","z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
  it("refuses what JSON cannot hold faithfully", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe("sealing a record", () => {
  it("hashes and signs the exact canonical text, which carries seq, prevHash, key id and the objects in key order", () => {
    const [first, second] = chainOf(2);
    expect(first!.seq).toBe(1);
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(second!.prevHash).toBe(first!.hash);
    expect(first!.hash).toBe(sha256Hex(Buffer.from(first!.canonical, "utf8")));
    expect(first!.keyId).toBe(keyIdOf(privateKey));
    const body = parseEvidence(second!.canonical);
    expect(body).toMatchObject({ version: 1, seq: 2, prevHash: first!.hash, recordingId: "r1" });
    expect(body.objects.map((o) => o.key)).toEqual(["recordings/r1/movie.mp4", "recordings/r1/poster.jpg"]);
    expect(canonicalJson(body)).toBe(second!.canonical);
    expect(checkRecord(second!, privateKey)).toBeNull();
  });

  it("names what is wrong with an altered record", () => {
    const [record] = chainOf(1);
    const flipped = record!.signature.startsWith("A") ? `B${record!.signature.slice(1)}` : `A${record!.signature.slice(1)}`;
    expect(checkRecord({ ...record!, signature: flipped }, privateKey)).toBe("signature invalid");
    const text = record!.canonical.replace('"bytes":20', '"bytes":21');
    expect(checkRecord({ ...record!, canonical: text }, privateKey)).toBe("hash does not match its text");
    // Re-hashed after the edit: the signature still gives it away.
    expect(checkRecord({ ...record!, canonical: text, hash: sha256Hex(text) }, privateKey)).toBe("signature invalid");
    expect(checkRecord(record!, other)).toMatch(/^signed with key [0-9a-f]{16}…, not the deployment's/);
  });
});

describe("checking the chain", () => {
  it("accepts an intact chain in any order of rows", () => {
    expect(checkChain(chainOf(4).reverse(), privateKey)).toBeNull();
  });
  it("names a record removed from the middle, and the one pointing at it", () => {
    const chain = chainOf(4);
    expect(checkChain([chain[0]!, chain[2]!, chain[3]!], privateKey)).toBe(
      `evidence chain: record 2 missing (record 3 points at ${chain[1]!.hash})`,
    );
    expect(checkChain([chain[2]!, chain[3]!], privateKey)).toBe(
      `evidence chain: records 1-2 missing (record 3 points at ${chain[1]!.hash})`,
    );
  });
  it("names a record replaced by another one with the same seq", () => {
    const chain = chainOf(3);
    const forged = sealEvidence(facts("forged"), { seq: 1, hash: "f".repeat(64) }, privateKey, new Date());
    expect(checkChain([chain[0]!, forged, chain[2]!], privateKey)).toMatch(
      /^evidence chain: record 2 points at f{64}, but record 1 hashes to/,
    );
  });
  it("names a record with an altered field", () => {
    const chain = chainOf(3);
    chain[1] = { ...chain[1]!, signature: Buffer.alloc(64).toString("base64") };
    expect(checkChain(chain, privateKey)).toBe("evidence record 2: signature invalid");
  });
});

describe("EVIDENCE_SIGNING_KEY", () => {
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const der = privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  it("takes PKCS8 PEM or its DER in base64, the same key either way", () => {
    expect(parseEnv({ EVIDENCE_SIGNING_KEY: pem }).EVIDENCE_SIGNING_KEY).toBe(pem);
    expect(keyIdOf(parseEvidenceKey(der))).toBe(keyIdOf(parseEvidenceKey(pem)));
    // A PEM kept on one line with its breaks written as \n (as secret stores often do).
    expect(keyIdOf(parseEvidenceKey(pem.trim().replace(/\n/g, "\\n")))).toBe(keyIdOf(privateKey));
  });
  it("refuses anything else naming the variable", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(() => parseEnv({ EVIDENCE_SIGNING_KEY: "not a key" })).toThrow(
      /^Invalid environment variable EVIDENCE_SIGNING_KEY: must be an Ed25519 private key/,
    );
    expect(() => parseEnv({ EVIDENCE_SIGNING_KEY: rsa })).toThrow(/EVIDENCE_SIGNING_KEY: must be an Ed25519 key, got rsa/);
  });
});
