// Reads the supervisor's figures (lib/domain/desk-figures.ts says what each one means) in two statements: every
// count and average in one, the recordings being captured in the other. Plain SQL that PostgreSQL and PGlite share.
import { type DeskFigures, deskFigures, type FigureCounts, RECORDINGS_LISTED, startOfLocalDay } from "@/lib/domain/desk-figures";
import { recordingTitle } from "@/lib/domain/recording";
import type { PrismaClient } from "@/server/platform/database/generated/client";

interface CountsRow {
  waiting: number;
  oldest_waiting: Date | null;
  available: number;
  busy: number;
  away: number;
  calls: number;
  recording: number;
  processing: number;
  handled: number;
  avg_wait_ms: number | null;
  avg_handling_ms: number | null;
  avg_rating: number | null;
  ratings: number;
}

interface RecordingRow {
  id: string;
  status: "recording" | "paused";
  startedAt: Date | null;
  title: string | null;
  hostName: string;
  ticketId: string | null;
  visitorName: string | null;
}

export class DeskFiguresStore {
  constructor(private readonly prisma: PrismaClient) {}

  async read(now = new Date()): Promise<DeskFigures> {
    // `since` is bound as a UTC timestamp, as the columns are stored: the comparison does not depend on the
    // session's time zone. Durations are differences of two columns, never `now()`, for the same reason.
    const since = startOfLocalDay(now);
    const [counts] = await this.prisma.$queryRaw<CountsRow[]>`
      SELECT
        (SELECT count(*) FROM "Ticket" WHERE status = 'waiting')::int AS waiting,
        (SELECT min("createdAt") FROM "Ticket" WHERE status = 'waiting') AS oldest_waiting,
        (SELECT count(*) FROM "Agent" a WHERE a.active AND a.availability = 'available'
           AND NOT EXISTS (SELECT 1 FROM "Ticket" t WHERE t."agentId" = a.id AND t.status = 'assigned'))::int AS available,
        (SELECT count(*) FROM "Agent" a WHERE a.active AND a.availability = 'available'
           AND EXISTS (SELECT 1 FROM "Ticket" t WHERE t."agentId" = a.id AND t.status = 'assigned'))::int AS busy,
        (SELECT count(*) FROM "Agent" a WHERE a.active AND a.availability = 'away')::int AS away,
        (SELECT count(*) FROM "MeetingPoint" WHERE state = 'live')::int AS calls,
        (SELECT count(*) FROM "Recording" WHERE status IN ('recording', 'paused'))::int AS recording,
        (SELECT count(*) FROM "Recording" WHERE status IN ('stopped', 'processing'))::int AS processing,
        (SELECT count(*) FROM "Ticket" WHERE status = 'closed' AND "closedAt" >= ${since})::int AS handled,
        (SELECT avg(extract(epoch FROM "assignedAt" - "createdAt") * 1000) FROM "Ticket"
           WHERE "assignedAt" >= ${since})::float8 AS avg_wait_ms,
        (SELECT avg(extract(epoch FROM "closedAt" - "assignedAt") * 1000) FROM "Ticket"
           WHERE status = 'closed' AND "closedAt" >= ${since} AND "assignedAt" IS NOT NULL)::float8 AS avg_handling_ms,
        (SELECT avg(rating) FROM "Ticket" WHERE rating IS NOT NULL AND "ratedAt" >= ${since})::float8 AS avg_rating,
        (SELECT count(*) FROM "Ticket" WHERE rating IS NOT NULL AND "ratedAt" >= ${since})::int AS ratings`;
    const recordings = await this.prisma.$queryRaw<RecordingRow[]>`
      SELECT r.id, r.status::text AS status, r."startedAt", mp.title, a."displayName" AS "hostName",
             t.id AS "ticketId", t."visitorName"
      FROM "Recording" r
      JOIN "MeetingPoint" mp ON mp.id = r."meetingPointId"
      JOIN "Agent" a ON a.id = mp."hostId"
      LEFT JOIN "Ticket" t ON t."meetingPointId" = mp.id
      WHERE r.status IN ('recording', 'paused')
      ORDER BY r."startedAt" ASC NULLS LAST, r.id ASC
      LIMIT ${RECORDINGS_LISTED}`;
    return deskFigures(
      toCounts(counts),
      recordings.map((r) => ({
        id: r.id,
        title: recordingTitle(r.title, r.ticketId ? { visitorName: r.visitorName } : null),
        status: r.status,
        startedAt: r.startedAt ? r.startedAt.toISOString() : null,
        hostName: r.hostName,
        ticketId: r.ticketId,
      })),
      now,
    );
  }
}

function toCounts(row: CountsRow | undefined): FigureCounts {
  const number = (value: number | null | undefined) => (value === null || value === undefined ? null : Number(value));
  return {
    waiting: row?.waiting ?? 0,
    oldestWaitingSince: row?.oldest_waiting ?? null,
    available: row?.available ?? 0,
    busy: row?.busy ?? 0,
    away: row?.away ?? 0,
    callsInProgress: row?.calls ?? 0,
    recordingsInProgress: row?.recording ?? 0,
    recordingsProcessing: row?.processing ?? 0,
    handled: row?.handled ?? 0,
    averageWaitMs: number(row?.avg_wait_ms),
    averageHandlingMs: number(row?.avg_handling_ms),
    averageRating: number(row?.avg_rating),
    ratings: row?.ratings ?? 0,
  };
}
