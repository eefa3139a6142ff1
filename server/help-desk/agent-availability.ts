// Agents' availability (Available / Away) and what the desk can serve right now, for wait estimates.
import { type Availability, type DeskCapacity, HANDLING_WINDOW_MS } from "@/lib/domain/availability";
import type { AgentAvailabilityView, TransferTarget } from "@/lib/realtime/views";
import type { PrismaClient } from "@/server/platform/database/generated/client";

export type { AgentAvailabilityView, TransferTarget };

const select = { availability: true, availabilitySince: true, awayWhileGone: true } as const;

export class AgentAvailability {
  constructor(private readonly prisma: PrismaClient) {}

  async of(agentId: string): Promise<AgentAvailabilityView | null> {
    const row = await this.prisma.agent.findUnique({ where: { id: agentId }, select });
    return row ? toView(row) : null;
  }

  /** The agent's own choice; it also ends an automatic Away. */
  async set(agentId: string, availability: Availability): Promise<AgentAvailabilityView> {
    const current = await this.prisma.agent.findUnique({ where: { id: agentId }, select });
    if (current && current.availability === availability && !current.awayWhileGone) return toView(current);
    const row = await this.prisma.agent.update({
      where: { id: agentId },
      data: { availability, awayWhileGone: false, availabilitySince: new Date() },
      select,
    });
    return toView(row);
  }

  /** Every tab gone past the grace period: an Available agent becomes Away. Null when nothing changed. */
  async markGone(agentId: string): Promise<AgentAvailabilityView | null> {
    return this.transition(agentId, { availability: "available" }, { availability: "away", awayWhileGone: true });
  }

  /** Back after being set Away automatically: Available again (a chosen Away stays). Null when nothing changed. */
  async markBack(agentId: string): Promise<AgentAvailabilityView | null> {
    return this.transition(agentId, { availability: "away", awayWhileGone: true }, { availability: "available", awayWhileGone: false });
  }

  /** Agents a ticket can be transferred to: active, Available, not `exceptId`. */
  async transferTargets(exceptId: string): Promise<TransferTarget[]> {
    const rows = await this.prisma.agent.findMany({
      where: { active: true, availability: "available", id: { not: exceptId } },
      select: { id: true, displayName: true, skills: { select: { name: true }, orderBy: { name: "asc" } } },
      orderBy: { displayName: "asc" },
    });
    return rows.map((r) => ({ id: r.id, name: r.displayName, skills: r.skills.map((s) => s.name) }));
  }

  /** One statement: Available agents, those of them with no ticket in hand, median handling time of the last day. */
  async capacity(): Promise<DeskCapacity> {
    const since = new Date(Date.now() - HANDLING_WINDOW_MS);
    const [row] = await this.prisma.$queryRaw<{ available: number; free: number; handling_ms: number | null }[]>`
      SELECT
        (SELECT count(*) FROM "Agent" a WHERE a.active AND a.availability = 'available')::int AS available,
        (SELECT count(*) FROM "Agent" a WHERE a.active AND a.availability = 'available'
           AND NOT EXISTS (SELECT 1 FROM "Ticket" t WHERE t."agentId" = a.id AND t.status = 'assigned'))::int AS free,
        (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t."closedAt" - t."assignedAt") * 1000)
           FROM "Ticket" t
           WHERE t.status = 'closed' AND t."assignedAt" IS NOT NULL AND t."closedAt" > ${since})::float8 AS handling_ms`;
    return {
      available: row?.available ?? 0,
      free: row?.free ?? 0,
      handlingMs: row?.handling_ms === null ? null : Number(row?.handling_ms),
    };
  }

  private async transition(
    agentId: string,
    from: { availability: Availability; awayWhileGone?: boolean },
    to: { availability: Availability; awayWhileGone: boolean },
  ): Promise<AgentAvailabilityView | null> {
    const { count } = await this.prisma.agent.updateMany({
      where: { id: agentId, active: true, ...from },
      data: { ...to, availabilitySince: new Date() },
    });
    return count ? this.of(agentId) : null;
  }
}

function toView(row: { availability: Availability; availabilitySince: Date; awayWhileGone: boolean }): AgentAvailabilityView {
  return { availability: row.availability, since: row.availabilitySince.toISOString(), whileGone: row.awayWhileGone };
}
