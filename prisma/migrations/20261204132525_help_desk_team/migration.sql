-- CreateEnum
CREATE TYPE "Availability" AS ENUM ('available', 'away');

-- CreateEnum
CREATE TYPE "TicketEventKind" AS ENUM ('transferred', 'note');

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "availability" "Availability" NOT NULL DEFAULT 'available',
ADD COLUMN     "availabilitySince" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "awayWhileGone" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "ratedAt" TIMESTAMP(3),
ADD COLUMN     "rating" INTEGER,
ADD COLUMN     "ratingComment" TEXT;

-- CreateTable
CREATE TABLE "TicketEvent" (
    "id" TEXT NOT NULL,
    "ticketId" TEXT NOT NULL,
    "kind" "TicketEventKind" NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorName" TEXT NOT NULL,
    "body" TEXT,
    "toAgentId" TEXT,
    "toAgentName" TEXT,
    "toSkill" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TicketEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TicketEvent_ticketId_createdAt_idx" ON "TicketEvent"("ticketId", "createdAt");

-- AddForeignKey
ALTER TABLE "TicketEvent" ADD CONSTRAINT "TicketEvent_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A rating is 1 to 5 (the API refuses anything else; the database does too).
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_rating_range" CHECK ("rating" IS NULL OR "rating" BETWEEN 1 AND 5);
