// Staff accounts and skills, managed by admins (console and `npm run agents`). Every change that could leave
// the desk without an admin runs under one advisory lock, so two admins demoting each other at once cannot
// both succeed. Ending someone's sessions raises their sessionEpoch: every session issued before is refused.
import {
  checkAdminRemains,
  checkPassword,
  normalizeUsername,
  type Role,
  SKILL_NAME_PATTERN,
  type SkillView,
  type StaffAccountView,
} from "@/lib/domain/agent-account";
import { badRequest, conflict, notFound } from "@/lib/domain/result";
import { hashPassword } from "@/server/platform/auth/passwords";
import type { Prisma, PrismaClient } from "@/server/platform/database/generated/client";

export interface NewStaffAccount {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  skills: string[];
}

type Tx = Prisma.TransactionClient;
const ADMIN_LOCK = 7_241_001; // pg_advisory_xact_lock key of "who is admin" changes
const select = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  active: true,
  createdAt: true,
  skills: { select: { name: true }, orderBy: { name: "asc" } },
} as const;

type Row = Prisma.AgentGetPayload<{ select: typeof select }>;
const view = (row: Row): StaffAccountView => ({
  id: row.id,
  username: row.username,
  displayName: row.displayName,
  role: row.role,
  active: row.active,
  skills: row.skills.map((s) => s.name),
  createdAt: row.createdAt.toISOString(),
});

export class StaffAccounts {
  constructor(private readonly prisma: PrismaClient) {}

  async list(): Promise<StaffAccountView[]> {
    return (await this.prisma.agent.findMany({ select, orderBy: { username: "asc" } })).map(view);
  }

  async get(id: string): Promise<StaffAccountView> {
    const row = await this.prisma.agent.findUnique({ where: { id }, select });
    if (!row) throw notFound("no such agent");
    return view(row);
  }

  async findByUsername(username: string): Promise<StaffAccountView> {
    const row = await this.prisma.agent.findUnique({ where: { username: username.trim().toLowerCase() }, select });
    if (!row) throw notFound(`no agent "${username}"`);
    return view(row);
  }

  async create(input: NewStaffAccount): Promise<StaffAccountView> {
    const username = normalizeUsername(input.username);
    const passwordHash = await hashPassword(checkPassword(input.password));
    await this.requireSkills(input.skills);
    const created = await this.prisma.agent
      .create({
        data: {
          username,
          displayName: displayNameOf(input.displayName),
          passwordHash,
          role: input.role,
          skills: { connect: input.skills.map((name) => ({ name })) },
        },
        select,
      })
      .catch((err: { code?: string }) => {
        if (err?.code === "P2002") throw conflict(`username "${username}" is taken`);
        throw err;
      });
    return view(created);
  }

  /** Name, skills and role; the role takes effect on the agent's next request (sessions read it from here). */
  async update(id: string, change: { displayName?: string; role?: Role; skills?: string[] }): Promise<StaffAccountView> {
    if (change.skills) await this.requireSkills(change.skills);
    return this.underAdminLock(async (tx) => {
      await this.checkAdmins(tx, { id, role: change.role });
      const row = await tx.agent.update({
        where: { id },
        data: {
          displayName: change.displayName === undefined ? undefined : displayNameOf(change.displayName),
          role: change.role,
          skills: change.skills ? { set: change.skills.map((name) => ({ name })) } : undefined,
        },
        select,
      });
      return view(row);
    });
  }

  /** Deactivating ends every session of the agent; reactivating lets them sign in again (old sessions stay ended). */
  async setActive(id: string, active: boolean): Promise<StaffAccountView> {
    return this.underAdminLock(async (tx) => {
      await this.checkAdmins(tx, { id, active });
      const row = await tx.agent.update({
        where: { id },
        data: { active, ...(active ? {} : { sessionEpoch: { increment: 1 } }) },
        select,
      });
      return view(row);
    });
  }

  /** A new password ends the agent's other sessions (whoever knew the old one is out). */
  async resetPassword(id: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(checkPassword(password));
    const { count } = await this.prisma.agent.updateMany({ where: { id }, data: { passwordHash, sessionEpoch: { increment: 1 } } });
    if (!count) throw notFound("no such agent");
  }

  async skills(): Promise<SkillView[]> {
    const rows = await this.prisma.skill.findMany({ orderBy: { name: "asc" }, include: { _count: { select: { agents: true } } } });
    return rows.map((s) => ({ id: s.id, name: s.name, label: s.label, agents: s._count.agents }));
  }

  async addSkill(input: { name: string; label: string }): Promise<SkillView> {
    const name = input.name.trim().toLowerCase();
    if (!SKILL_NAME_PATTERN.test(name)) throw badRequest("name: 1–32 lower-case letters, digits or '-', starting with a letter or digit");
    const created = await this.prisma.skill.create({ data: { name, label: labelOf(input.label) } }).catch((err: { code?: string }) => {
      if (err?.code === "P2002") throw conflict(`skill "${name}" exists`);
      throw err;
    });
    return { id: created.id, name: created.name, label: created.label, agents: 0 };
  }

  /**
   * Renames what people see. The skill's key stays: visitor widgets on other sites ask for a skill by it, and
   * the tickets already filed under it keep their skill.
   */
  async renameSkill(id: string, label: string): Promise<SkillView> {
    const { count } = await this.prisma.skill.updateMany({ where: { id }, data: { label: labelOf(label) } });
    if (!count) throw notFound("no such skill");
    return (await this.skills()).find((s) => s.id === id)!;
  }

  private async requireSkills(names: string[]): Promise<void> {
    const known = new Set((await this.prisma.skill.findMany({ select: { name: true } })).map((s) => s.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length) throw badRequest(`skills: unknown skill ${unknown.map((n) => `"${n}"`).join(", ")}`);
  }

  private async checkAdmins(tx: Tx, change: { id: string; role?: Role; active?: boolean }): Promise<void> {
    const accounts = await tx.agent.findMany({ select: { id: true, role: true, active: true } });
    if (!accounts.some((a) => a.id === change.id)) throw notFound("no such agent");
    checkAdminRemains(accounts, change);
  }

  private underAdminLock<T>(run: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${ADMIN_LOCK})`);
      return run(tx);
    });
  }
}

function displayNameOf(input: string): string {
  const name = input.trim();
  if (!name || name.length > 80) throw badRequest("displayName: 1–80 characters");
  return name;
}

function labelOf(input: string): string {
  const label = input.trim();
  if (!label || label.length > 80) throw badRequest("label: 1–80 characters");
  return label;
}
