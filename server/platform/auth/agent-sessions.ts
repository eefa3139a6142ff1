// Whether an agent's session is still honoured. The JWT itself cannot be revoked, so every use of it asks the
// agents table: the account must be active and still at the session epoch the JWT was issued with. The role and
// name come from here too, so a role change applies on the agent's next request without signing them out.
import type { Role } from "@/lib/domain/agent-account";
import type { PrismaClient } from "@/server/platform/database/generated/client";

export interface CurrentAgent {
  role: Role;
  displayName: string;
}

interface Row {
  id: string;
  active: boolean;
  sessionEpoch: number;
  role: Role;
  displayName: string;
}

/** A revocation reaches every node within this (plus the node's own sweep of open sockets). */
export const SESSION_CACHE_MS = 1000;

export class AgentSessions {
  private readonly cache = new Map<string, { row: Row | null; at: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cacheMs = SESSION_CACHE_MS,
    private readonly now = Date.now,
  ) {}

  /** The agent as they are now, or null when this session (issued at `epoch`) is no longer honoured. */
  async current(agentId: string, epoch: number): Promise<CurrentAgent | null> {
    const hit = this.cache.get(agentId);
    let row = hit && this.now() - hit.at < this.cacheMs ? hit.row : undefined;
    if (row === undefined) {
      row = await this.prisma.agent.findUnique({
        where: { id: agentId },
        select: { id: true, active: true, sessionEpoch: true, role: true, displayName: true },
      });
      this.cache.set(agentId, { row, at: this.now() });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return honoured(row, epoch);
  }

  /**
   * Of these sessions (`agentId@epoch`), the ones no longer honoured, and those whose role is no longer the one
   * given (read fresh: this is the sweep that closes sockets).
   */
  async check(sessions: { agentId: string; epoch: number; role: Role }[]): Promise<{ ended: Set<string>; roleChanged: Set<string> }> {
    if (!sessions.length) return { ended: new Set(), roleChanged: new Set() };
    const ids = [...new Set(sessions.map((s) => s.agentId))];
    const rows = await this.prisma.agent.findMany({
      where: { id: { in: ids } },
      select: { id: true, active: true, sessionEpoch: true, role: true, displayName: true },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const at = this.now();
    for (const id of ids) this.cache.set(id, { row: byId.get(id) ?? null, at });
    const ended = new Set<string>();
    const roleChanged = new Set<string>();
    for (const s of sessions) {
      const current = honoured(byId.get(s.agentId) ?? null, s.epoch);
      if (!current) ended.add(`${s.agentId}@${s.epoch}`);
      else if (current.role !== s.role) roleChanged.add(`${s.agentId}@${s.epoch}`);
    }
    return { ended, roleChanged };
  }
}

function honoured(row: Row | null, epoch: number): CurrentAgent | null {
  if (!row?.active || row.sessionEpoch !== epoch) return null;
  return { role: row.role, displayName: row.displayName };
}
