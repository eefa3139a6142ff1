// Tamper evidence as the app uses it: appended by the compose job once a movie is stored (after "ready", so it
// never delays it), caught up by a sweep at start and then periodically (a crash between ready and evidence loses
// nothing), read by the evidence routes, and checked by `npm run verify-recording`.
import type { KeyObject } from "node:crypto";
import { keyIdOf, parseEvidence, publicKeyPem, type EvidenceBody } from "@/lib/evidence/evidence-chain";
import type { PrismaClient } from "@/server/platform/database/generated/client";
import type { Logger } from "@/server/platform/logger";
import { runEvery } from "@/server/platform/run-every";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { EvidenceStore } from "@/server/recordings/evidence/evidence-store";

export interface EvidenceRecordView {
  seq: number;
  prevHash: string;
  hash: string;
  keyId: string;
  signature: string;
  /** The exact signed bytes (UTF-8): hash and signature are over this text. */
  canonical: string;
  record: EvidenceBody;
}

export interface RecordingEvidence {
  store: EvidenceStore;
  /** Appends the recording's record; failures are logged (the sweep tries again), never thrown. */
  attest(recordingId: string): Promise<void>;
  /** Appends a record for every ready recording that lacks one for its current movie; returns how many. */
  sweep(): Promise<number>;
  startSweeper(intervalMs: number): () => void;
  records(recordingId: string): Promise<{ recordingId: string; records: EvidenceRecordView[] }>;
  publicKey(): { keyId: string; algorithm: "Ed25519"; publicKeyPem: string };
}

export function createRecordingEvidence(o: {
  prisma: PrismaClient;
  storage: ObjectStorage;
  key: KeyObject;
  logger: Logger;
}): RecordingEvidence {
  const store = new EvidenceStore(o.prisma, o.storage, o.key);
  const keyId = keyIdOf(o.key);
  const pem = publicKeyPem(o.key);

  async function attest(recordingId: string): Promise<void> {
    try {
      const row = await store.append(recordingId);
      if (row) o.logger.info({ recordingId, seq: row.seq, hash: row.hash }, "evidence record appended");
    } catch (err) {
      o.logger.warn({ err, recordingId }, "evidence record not appended; the evidence sweep tries again");
    }
  }

  async function sweep(): Promise<number> {
    const ids = await store.missing();
    for (const id of ids) await attest(id);
    return ids.length;
  }

  return {
    store,
    attest,
    sweep,
    startSweeper: (intervalMs) =>
      runEvery(
        intervalMs,
        async () => {
          const n = await sweep();
          if (n) o.logger.info({ recordings: n }, "evidence sweep attested ready recordings that had no record");
        },
        (err) => o.logger.warn({ err }, "evidence sweep failed; the next one tries again"),
      ),
    async records(recordingId) {
      const rows = await store.forRecording(recordingId);
      return {
        recordingId,
        records: rows.map((r) => ({
          seq: r.seq,
          prevHash: r.prevHash,
          hash: r.hash,
          keyId: r.keyId,
          signature: r.signature,
          canonical: r.canonical,
          record: parseEvidence(r.canonical),
        })),
      };
    },
    publicKey: () => ({ keyId, algorithm: "Ed25519", publicKeyPem: pem }),
  };
}
