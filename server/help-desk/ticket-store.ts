// Persists tickets. "Take next" is one atomic statement with SKIP LOCKED, so two agents pressing at the
// same instant can never be handed the same ticket.
import type { Ticket, TicketStatus, VisitorProgress } from "@/lib/domain/ticket";
import type { ChatMessageView, TicketEventView } from "@/lib/realtime/views";
import type { Prisma, PrismaClient } from "@/server/platform/database/generated/client";
import type { Tx } from "@/server/help-desk/meeting-point-store";

const include = { skill: { select: { name: true } }, agent: { select: { displayName: true } } } as const;
type Row = Prisma.TicketGetPayload<{ include: typeof include }>;

function toDomain(row: Row): Ticket {
  return {
    id: row.id,
    visitorId: row.visitorId,
    visitorName: row.visitorName,
    skill: row.skill?.name ?? null,
    status: row.status,
    progress: row.progress,
    agentId: row.agentId,
    agentName: row.agent?.displayName ?? null,
    meetingPointId: row.meetingPointId,
    createdAt: row.createdAt,
    assignedAt: row.assignedAt,
    closedAt: row.closedAt,
    rating: row.rating !== null && row.ratedAt ? { value: row.rating, comment: row.ratingComment, at: row.ratedAt } : null,
  };
}

export class TicketStore {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: { visitorId: string; visitorName: string | null; skill: string | null }): Promise<Ticket> {
    const row = await this.prisma.ticket.create({
      data: {
        visitorId: input.visitorId,
        visitorName: input.visitorName,
        skill: input.skill ? { connect: { name: input.skill } } : undefined,
      },
      include,
    });
    return toDomain(row);
  }

  async activeAgents(exceptId: string): Promise<{ id: string; displayName: string }[]> {
    return this.prisma.agent.findMany({
      where: { active: true, id: { not: exceptId } },
      select: { id: true, displayName: true },
      orderBy: { displayName: "asc" },
    });
  }

  async skillNames(): Promise<string[]> {
    return (await this.prisma.skill.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map((s) => s.name);
  }

  async skillExists(name: string): Promise<boolean> {
    return (await this.prisma.skill.count({ where: { name } })) > 0;
  }

  async find(id: string, tx: Tx | PrismaClient = this.prisma): Promise<Ticket | null> {
    const row = await tx.ticket.findUnique({ where: { id }, include });
    return row ? toDomain(row) : null;
  }

  async findByMeetingPoint(meetingPointId: string, tx: Tx | PrismaClient = this.prisma): Promise<Ticket | null> {
    const row = await tx.ticket.findUnique({ where: { meetingPointId }, include });
    return row ? toDomain(row) : null;
  }

  async findOpenForVisitor(visitorId: string): Promise<Ticket | null> {
    const row = await this.prisma.ticket.findFirst({
      where: { visitorId, status: { in: ["waiting", "assigned"] } },
      orderBy: { createdAt: "desc" },
      include,
    });
    return row ? toDomain(row) : null;
  }

  /** Waiting tickets, oldest first (all of them unless `limit`). */
  async listWaiting(limit?: number): Promise<Ticket[]> {
    const rows = await this.prisma.ticket.findMany({
      where: { status: "waiting" },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      include,
      take: limit,
    });
    return rows.map(toDomain);
  }

  /** 1 for the oldest waiting ticket: how many wait before it, plus one. */
  async positionOf(ticket: Pick<Ticket, "id" | "createdAt">): Promise<number> {
    const before = await this.prisma.ticket.count({
      where: { status: "waiting", OR: [{ createdAt: { lt: ticket.createdAt } }, { createdAt: ticket.createdAt, id: { lt: ticket.id } }] },
    });
    return before + 1;
  }

  async listOpenForAgent(agentId: string): Promise<Ticket[]> {
    const rows = await this.prisma.ticket.findMany({ where: { agentId, status: "assigned" }, orderBy: { assignedAt: "asc" }, include });
    return rows.map(toDomain);
  }

  async history(limit: number): Promise<Ticket[]> {
    const rows = await this.prisma.ticket.findMany({
      where: { status: { in: ["closed", "abandoned"] } },
      orderBy: { closedAt: "desc" },
      take: limit,
      include,
    });
    return rows.map(toDomain);
  }

  /**
   * Assigns the oldest waiting ticket whose skill the agent has (or that asks for none).
   * Returns its id, or null when nothing matches.
   */
  async claimOldest(tx: Tx, agentId: string): Promise<string | null> {
    // The time is bound, as Prisma writes every other timestamp (UTC, from this process's clock): SQL's now() in a
    // column without time zone would be the session's local time, hours off createdAt where that zone is not UTC.
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Ticket" SET status = 'assigned', "agentId" = ${agentId}, "assignedAt" = ${new Date()}
      WHERE id = (
        SELECT t.id FROM "Ticket" t
        WHERE t.status = 'waiting'
          AND (t."skillId" IS NULL OR t."skillId" IN (
            SELECT s."B" FROM "_AgentToSkill" s WHERE s."A" = ${agentId}))
        ORDER BY t."createdAt" ASC, t.id ASC
        FOR UPDATE SKIP LOCKED
        LIMIT 1)
      AND status = 'waiting'
      RETURNING id`;
    return rows[0]?.id ?? null;
  }

  /** Hands an assigned ticket to another agent; false when it is no longer assigned to `fromAgentId`. */
  async reassign(id: string, fromAgentId: string, toAgentId: string): Promise<boolean> {
    const { count } = await this.prisma.ticket.updateMany({
      where: { id, status: "assigned", agentId: fromAgentId },
      data: { agentId: toAgentId },
    });
    return count === 1;
  }

  /**
   * Puts an assigned ticket back in the queue (for `skill`, or any agent when null). It keeps its creation time,
   * so the visitor, who already waited, is near the front.
   */
  async requeue(id: string, fromAgentId: string, skill: string | null): Promise<boolean> {
    const skillId = skill ? ((await this.prisma.skill.findUnique({ where: { name: skill }, select: { id: true } }))?.id ?? null) : null;
    const { count } = await this.prisma.ticket.updateMany({
      where: { id, status: "assigned", agentId: fromAgentId },
      data: { status: "waiting", agentId: null, assignedAt: null, skillId },
    });
    return count === 1;
  }

  /** Stores the visitor's rating unless one is already there; false when it was. */
  async rate(id: string, value: number, comment: string | null): Promise<boolean> {
    const { count } = await this.prisma.ticket.updateMany({
      where: { id, rating: null },
      data: { rating: value, ratingComment: comment, ratedAt: new Date() },
    });
    return count === 1;
  }

  async addEvent(input: {
    ticketId: string;
    kind: "transferred" | "note";
    actorId: string;
    actorName: string;
    body: string | null;
    toAgentId?: string | null;
    toAgentName?: string | null;
    toSkill?: string | null;
  }): Promise<TicketEventView> {
    return toEventView(await this.prisma.ticketEvent.create({ data: input }));
  }

  async eventsOf(ticketId: string): Promise<TicketEventView[]> {
    const rows = await this.prisma.ticketEvent.findMany({ where: { ticketId }, orderBy: { createdAt: "asc" }, take: 1000 });
    return rows.map(toEventView);
  }

  async update(
    id: string,
    data: { status?: TicketStatus; progress?: VisitorProgress; meetingPointId?: string; closedAt?: Date },
    tx: Tx | PrismaClient = this.prisma,
  ): Promise<Ticket> {
    return toDomain(await tx.ticket.update({ where: { id }, data, include }));
  }

  /** Sets progress only while the ticket is open: a late event must not reopen a closed one. */
  async setProgressIfOpen(id: string, progress: VisitorProgress): Promise<Ticket | null> {
    const { count } = await this.prisma.ticket.updateMany({
      where: { id, status: { in: ["waiting", "assigned"] } },
      data: { progress },
    });
    return count ? this.find(id) : null;
  }

  async addMessage(input: { ticketId: string | null; meetingPointId: string; senderId: string; senderName: string; body: string }) {
    return toMessageView(await this.prisma.chatMessage.create({ data: input }));
  }

  async messagesOf(where: { ticketId: string } | { meetingPointId: string }): Promise<ChatMessageView[]> {
    const rows = await this.prisma.chatMessage.findMany({ where, orderBy: { createdAt: "asc" }, take: 1000 });
    return rows.map(toMessageView);
  }
}

function toMessageView(row: Prisma.ChatMessageGetPayload<object>): ChatMessageView {
  return {
    id: row.id,
    meetingPointId: row.meetingPointId,
    ticketId: row.ticketId,
    senderId: row.senderId,
    senderName: row.senderName,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
  };
}

function toEventView(row: Prisma.TicketEventGetPayload<object>): TicketEventView {
  return {
    id: row.id,
    ticketId: row.ticketId,
    kind: row.kind,
    actor: { id: row.actorId, name: row.actorName },
    body: row.body,
    to:
      row.kind === "transferred"
        ? row.toAgentId
          ? { agentId: row.toAgentId, name: row.toAgentName ?? "Agent" }
          : { skill: row.toSkill }
        : null,
    createdAt: row.createdAt.toISOString(),
  };
}
