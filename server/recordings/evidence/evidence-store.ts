// The deployment's evidence chain in the database: appends are serialized across processes and nodes by a
// transaction-scoped advisory lock (taken before reading the chain's end), with the unique seq and prevHash as the
// backstop. The facts are read and the objects hashed BEFORE the transaction: with the embedded database's single
// connection, nothing may be awaited outside a running transaction.
import type { KeyObject } from "node:crypto";
import { decodeLayoutChanges, decodeSpans, layoutOf } from "@/lib/domain/recording";
import { type EvidenceFacts, sealEvidence, type StoredEvidence } from "@/lib/evidence/evidence-chain";
import type { PrismaClient } from "@/server/platform/database/generated/client";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { hashRecordingObjects } from "@/server/recordings/evidence/object-hashes";
import { composedLayoutOf } from "@/server/recordings/recording-store";

/** pg_advisory_xact_lock key of the evidence chain's end. */
const CHAIN_LOCK = 7_241_014;

export interface EvidenceRow extends StoredEvidence {
  recordingId: string;
  readyAt: Date | null;
  createdAt: Date;
}

const rowSelect = {
  seq: true,
  prevHash: true,
  hash: true,
  keyId: true,
  canonical: true,
  signature: true,
  recordingId: true,
  readyAt: true,
  createdAt: true,
} as const;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export class EvidenceStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly storage: ObjectStorage,
    private readonly key: KeyObject,
  ) {}

  /** The recording as it stands (ready), with every object it has in the store; null when it is not ready. */
  async facts(recordingId: string): Promise<(EvidenceFacts & { readyAtDate: Date | null }) | null> {
    const row = await this.prisma.recording.findUnique({
      where: { id: recordingId },
      include: {
        consents: { orderBy: [{ at: "asc" }, { id: "asc" }] },
        meetingPoint: { select: { id: true, ticket: { select: { id: true } }, participants: { orderBy: { joinedAt: "asc" } } } },
      },
    });
    if (row?.status !== "ready") return null;
    const participants = new Map<string, string>();
    for (const p of row.meetingPoint.participants) if (!participants.has(p.userId)) participants.set(p.userId, p.displayName);
    const layout = composedLayoutOf(row.composedLayout) ?? {
      layout: layoutOf(row.layout),
      layoutChanges: decodeLayoutChanges(row.layoutChanges),
    };
    return {
      recordingId: row.id,
      ticketId: row.meetingPoint.ticket?.id ?? null,
      meetingPointId: row.meetingPointId,
      participants: [...participants].map(([id, displayName]) => ({ id, displayName })),
      consents: row.consents.map((c) => ({
        userId: c.userId,
        displayName: c.displayName,
        decision: c.decision,
        textSha256: c.textSha256,
        at: c.at.toISOString(),
      })),
      spans: decodeSpans(row.spans).map((s) => ({ from: s.from.toISOString(), to: iso(s.to) })),
      startedAt: iso(row.startedAt),
      stoppedAt: iso(row.stoppedAt),
      readyAt: iso(row.readyAt),
      readyAtDate: row.readyAt,
      layout,
      objects: await hashRecordingObjects(this.storage, row.id),
    };
  }

  /**
   * Appends the recording's record at the chain's end. Null when the recording is not ready (nothing to attest), or
   * when its current movie already has one (the job and the sweep may both try) unless `again`.
   */
  async append(recordingId: string, opts: { again?: boolean; now?: () => Date } = {}): Promise<EvidenceRow | null> {
    const now = opts.now ?? (() => new Date());
    const facts = await this.facts(recordingId);
    if (!facts) return null;
    const { readyAtDate, ...signed } = facts;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`);
        if (!opts.again && (await tx.evidenceRecord.findFirst({ where: { recordingId, readyAt: readyAtDate }, select: { seq: true } })))
          return null;
        const last = await tx.evidenceRecord.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
        const createdAt = now();
        const sealed = sealEvidence(signed, last, this.key, createdAt);
        return tx.evidenceRecord.create({ data: { ...sealed, recordingId, readyAt: readyAtDate, createdAt }, select: rowSelect });
      },
      // Appends queue on the lock (and, on the embedded database, for its one connection): waiting is expected.
      { maxWait: 30_000, timeout: 30_000 },
    );
  }

  /** The recording's records, oldest first (the last one is what verification checks). */
  forRecording(recordingId: string): Promise<EvidenceRow[]> {
    return this.prisma.evidenceRecord.findMany({ where: { recordingId }, orderBy: { seq: "asc" }, select: rowSelect });
  }

  /** The whole chain in seq order. */
  chain(): Promise<EvidenceRow[]> {
    return this.prisma.evidenceRecord.findMany({ orderBy: { seq: "asc" }, select: rowSelect });
  }

  /** Ready recordings without a record for their current movie (never appended, or re-composited since). */
  async missing(): Promise<string[]> {
    const ready = await this.prisma.recording.findMany({ where: { status: "ready" }, select: { id: true, readyAt: true } });
    if (!ready.length) return [];
    const have = await this.prisma.evidenceRecord.findMany({
      where: { recordingId: { in: ready.map((r) => r.id) } },
      select: { recordingId: true, readyAt: true },
    });
    const attested = new Set(have.map((h) => `${h.recordingId}@${iso(h.readyAt)}`));
    return ready.filter((r) => !attested.has(`${r.id}@${iso(r.readyAt)}`)).map((r) => r.id);
  }
}
