-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'supervisor';

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "sessionEpoch" INTEGER NOT NULL DEFAULT 0;
