// Persists meeting points: loads the domain snapshot under a row lock, applies the domain's changes.
import type { Change, MeetingPoint } from "@/lib/domain/meeting-point";
import type { ConsentEntry } from "@/lib/domain/recording-consent";
import { notFound } from "@/lib/domain/result";
import type { Prisma, PrismaClient } from "@/server/platform/database/generated/client";

export type Tx = Prisma.TransactionClient;

const include = {
  invitations: true,
  waitList: true,
  participants: true,
  ticket: { select: { id: true, visitorId: true } },
  // The running recording, for everyone's indicator.
  recordings: {
    where: { status: { in: ["armed", "recording", "paused"] } },
    orderBy: { createdAt: "desc" },
    take: 1,
    select: {
      id: true,
      status: true,
      startedAt: true,
      consents: { select: { userId: true, displayName: true, decision: true, textSha256: true, at: true }, orderBy: { at: "asc" } },
    },
  },
} as const satisfies Prisma.MeetingPointInclude;
type Row = Prisma.MeetingPointGetPayload<{ include: typeof include }>;

export interface StoredMeetingPoint {
  meetingPoint: MeetingPoint;
  ticketId: string | null;
  /** The ticket's visitor, who follows the meeting point from the start, before being invited. */
  ticketVisitor: string | null;
  /** The active recording (armed, recording or paused), if any. */
  recording: ActiveRecording | null;
}

export interface ActiveRecording {
  id: string;
  status: "armed" | "recording" | "paused";
  startedAt: Date | null;
  /** Recording consent decisions of its participants, oldest first. */
  consents: ConsentEntry[];
}

const agentUserId = (agentId: string) => `agent:${agentId}`;
const agentIdOf = (userId: string) => userId.replace(/^agent:/, "");

function toDomain(row: Row): StoredMeetingPoint {
  return {
    ticketId: row.ticket?.id ?? null,
    ticketVisitor: row.ticket ? `visitor:${row.ticket.visitorId}` : null,
    recording: row.recordings[0] ? { ...row.recordings[0], status: row.recordings[0].status as ActiveRecording["status"] } : null,
    meetingPoint: {
      id: row.id,
      hostId: agentUserId(row.hostId),
      title: row.title,
      state: row.state,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      endedAt: row.endedAt,
      invitations: row.invitations.map((i) => ({
        id: i.id,
        inviteeId: i.inviteeId,
        status: i.status,
        message: i.message,
        createdAt: i.createdAt,
      })),
      waitList: row.waitList.map((e) => ({
        id: e.id,
        userId: e.userId,
        displayName: e.displayName,
        status: e.status,
        requestedAt: e.requestedAt,
      })),
      participants: row.participants
        .map((p) => ({ userId: p.userId, displayName: p.displayName, role: p.role, joinedAt: p.joinedAt, leftAt: p.leftAt }))
        .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime()),
    },
  };
}

export class MeetingPointStore {
  constructor(private readonly prisma: PrismaClient) {}

  async insert(tx: Tx, mp: MeetingPoint): Promise<void> {
    await tx.meetingPoint.create({
      data: {
        id: mp.id,
        hostId: agentIdOf(mp.hostId),
        title: mp.title,
        state: mp.state,
        createdAt: mp.createdAt,
        participants: { create: mp.participants.map((p) => ({ ...p })) },
      },
    });
  }

  async find(id: string, tx: Tx | PrismaClient = this.prisma): Promise<StoredMeetingPoint | null> {
    const row = await tx.meetingPoint.findUnique({ where: { id }, include });
    return row ? toDomain(row) : null;
  }

  withTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  /** Runs `fn` with the meeting point locked: concurrent commands on one meeting point are serialized. */
  async withLocked<T>(id: string, fn: (tx: Tx, stored: StoredMeetingPoint) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "MeetingPoint" WHERE id = ${id} FOR UPDATE`;
      if (locked.length === 0) throw notFound("no such meeting point");
      const stored = await this.find(id, tx);
      return fn(tx, stored!);
    });
  }

  async apply(tx: Tx, meetingPointId: string, changes: Change[], now: Date): Promise<void> {
    for (const change of changes) {
      switch (change.kind) {
        case "invitationCreated":
          await tx.invitation.create({ data: { ...change.invitation, meetingPointId } });
          break;
        case "invitationUpdated":
          await tx.invitation.update({ where: { id: change.invitationId }, data: { status: change.status, respondedAt: now } });
          break;
        case "waitListAdded":
          await tx.waitListEntry.create({ data: { ...change.entry, meetingPointId } });
          break;
        case "waitListUpdated":
          await tx.waitListEntry.update({ where: { id: change.entryId }, data: { status: change.status, decidedAt: now } });
          break;
        case "participantJoined":
          await tx.participant.create({ data: { ...change.participant, meetingPointId } });
          break;
        case "participantLeft":
          await tx.participant.updateMany({ where: { meetingPointId, userId: change.userId, leftAt: null }, data: { leftAt: now } });
          break;
        case "hostChanged":
          await tx.meetingPoint.update({ where: { id: meetingPointId }, data: { hostId: agentIdOf(change.hostId) } });
          break;
        case "stateChanged":
          await tx.meetingPoint.update({
            where: { id: meetingPointId },
            data:
              change.state === "live"
                ? { state: "live", startedAt: now }
                : change.state === "ended"
                  ? { state: "ended", endedAt: now }
                  : { state: change.state },
          });
          break;
      }
    }
  }

  /** Meeting points a user is currently in or waiting for (restores a client after reconnect). */
  async findOpenFor(userId: string): Promise<string[]> {
    const rows = await this.prisma.meetingPoint.findMany({
      where: {
        state: { not: "ended" },
        OR: [
          { participants: { some: { userId, leftAt: null } } },
          { invitations: { some: { inviteeId: userId, status: "pending" } } },
          { waitList: { some: { userId, status: "waiting" } } },
        ],
      },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }
}
