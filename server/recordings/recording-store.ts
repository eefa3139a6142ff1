// Persists recordings (the control state; the media lives with the recorder).
import { capturedMs, type Recording, type RecordingStatus } from "@/lib/domain/recording";
import type { Prisma, PrismaClient } from "@/server/platform/database/generated/client";
import type { Tx } from "@/server/help-desk/meeting-point-store";

type Row = Prisma.RecordingGetPayload<object>;

type SpanJson = { from: string; to: string | null };

function spansOf(row: Row): Recording["spans"] {
  const raw = Array.isArray(row.spans) ? (row.spans as SpanJson[]) : [];
  return raw.map((s) => ({ from: new Date(s.from), to: s.to ? new Date(s.to) : null }));
}

const spansJson = (r: Recording): SpanJson[] => r.spans.map((s) => ({ from: s.from.toISOString(), to: s.to ? s.to.toISOString() : null }));

function toDomain(row: Row): Recording {
  return {
    id: row.id,
    meetingPointId: row.meetingPointId,
    status: row.status as RecordingStatus,
    startedById: row.startedById,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    spans: spansOf(row),
    destination: row.destination,
  };
}

export class RecordingStore {
  constructor(private readonly prisma: PrismaClient) {}

  async forMeetingPoint(meetingPointId: string, tx: Tx | PrismaClient = this.prisma): Promise<Recording[]> {
    const rows = await tx.recording.findMany({ where: { meetingPointId }, orderBy: { createdAt: "asc" } });
    return rows.map(toDomain);
  }

  async find(id: string): Promise<Recording | null> {
    const row = await this.prisma.recording.findUnique({ where: { id } });
    return row ? toDomain(row) : null;
  }

  async insert(recording: Recording, tx: Tx | PrismaClient = this.prisma): Promise<void> {
    await tx.recording.create({
      data: {
        id: recording.id,
        meetingPointId: recording.meetingPointId,
        status: recording.status,
        startedById: recording.startedById,
        createdAt: recording.createdAt,
        startedAt: recording.startedAt,
        spans: spansJson(recording),
        destination: recording.destination,
      },
    });
  }

  async save(recording: Recording, tx: Tx | PrismaClient = this.prisma): Promise<void> {
    // Captured media only: pauses are not part of the movie.
    const durationMs = recording.stoppedAt ? capturedMs(recording, recording.stoppedAt) : null;
    await tx.recording.update({
      where: { id: recording.id },
      data: { status: recording.status, startedAt: recording.startedAt, stoppedAt: recording.stoppedAt, durationMs, spans: spansJson(recording) },
    });
  }
}
