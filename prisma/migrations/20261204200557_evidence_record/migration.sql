-- The deployment's chain of signed evidence records of recordings' stored objects (lib/evidence/evidence-chain.ts).
-- Unique seq and prevHash: two appends racing for the same place cannot both be stored.
-- CreateTable
CREATE TABLE "EvidenceRecord" (
    "seq" INTEGER NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "recordingId" TEXT NOT NULL,
    "readyAt" TIMESTAMP(3),
    "keyId" TEXT NOT NULL,
    "canonical" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvidenceRecord_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "EvidenceRecord_prevHash_key" ON "EvidenceRecord"("prevHash");

-- CreateIndex
CREATE UNIQUE INDEX "EvidenceRecord_hash_key" ON "EvidenceRecord"("hash");

-- CreateIndex
CREATE INDEX "EvidenceRecord_recordingId_seq_idx" ON "EvidenceRecord"("recordingId", "seq");
