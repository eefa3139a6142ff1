-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "destination" TEXT,
ADD COLUMN     "spans" JSONB NOT NULL DEFAULT '[]';
