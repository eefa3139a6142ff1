// Persists recordings (the control state; the media lives with the recorder).
import type { Recording, RecordingStatus } from "../../lib/domain/recording";
import type { Prisma, PrismaClient } from "./generated/client";
import type { Tx } from "./meeting-point-store";

type Row = Prisma.RecordingGetPayload<object>;

function toDomain(row: Row): Recording {
  const from = row.startedAt;
  return {
    id: row.id,
    meetingPointId: row.meetingPointId,
    status: row.status as RecordingStatus,
    startedById: row.startedById,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    spans: from ? [{ from, to: row.stoppedAt }] : [],
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
      },
    });
  }

  async save(recording: Recording, tx: Tx | PrismaClient = this.prisma): Promise<void> {
    const durationMs = recording.startedAt && recording.stoppedAt ? recording.stoppedAt.getTime() - recording.startedAt.getTime() : null;
    await tx.recording.update({
      where: { id: recording.id },
      data: { status: recording.status, startedAt: recording.startedAt, stoppedAt: recording.stoppedAt, durationMs },
    });
  }
}
