-- AlterEnum
ALTER TYPE "RecordingStatus" ADD VALUE 'deleted';

-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "error" TEXT,
ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "keep" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "layoutChanges" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "movieBytes" BIGINT,
ADD COLUMN     "movieKey" TEXT,
ADD COLUMN     "posterKey" TEXT,
ADD COLUMN     "progress" INTEGER,
ADD COLUMN     "readyAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Recording_expiresAt_idx" ON "Recording"("expiresAt");
