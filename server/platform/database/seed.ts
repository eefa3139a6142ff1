// Idempotent seed: the demo agents, the admin and the skills. Run at every start-up; creates what is
// missing and, when a SEED_*_PASSWORD is configured, makes that account's password match it. Several nodes
// may start at once on one database: a row another node created meanwhile is taken as created.
import type { Logger } from "pino";
import { hashPassword, verifyPassword } from "@/server/platform/auth/passwords";
import type { PrismaClient } from "@/server/platform/database/generated/client";

export interface SeedPasswords {
  agent1?: string;
  agent2?: string;
  admin?: string;
}

export const DEFAULT_PASSWORDS = { agent1: "agent1-pass", agent2: "agent2-pass", admin: "admin-pass" } as const;

const SKILLS = [
  { name: "general", label: "General questions" },
  { name: "billing", label: "Billing and payments" },
  { name: "technical", label: "Technical support" },
];

const ACCOUNTS = [
  { username: "agent1", displayName: "Alice Agent", role: "agent", skills: ["general", "billing", "technical"] },
  { username: "agent2", displayName: "Bob Agent", role: "agent", skills: ["general", "technical"] },
  { username: "admin", displayName: "Ada Admin", role: "admin", skills: ["general"] },
] as const;

export async function seed(prisma: PrismaClient, passwords: SeedPasswords, logger?: Logger): Promise<void> {
  await prisma.skill.createMany({ data: SKILLS, skipDuplicates: true });
  for (const account of ACCOUNTS) {
    const configured = passwords[account.username];
    const existing = await prisma.agent.findUnique({ where: { username: account.username } });
    if (!existing) {
      const created = await prisma.agent
        .create({
          data: {
            username: account.username,
            displayName: account.displayName,
            role: account.role,
            passwordHash: await hashPassword(configured ?? DEFAULT_PASSWORDS[account.username]),
            skills: { connect: account.skills.map((name) => ({ name })) },
          },
        })
        .then(
          () => true,
          (err: { code?: string }) => {
            if (err?.code === "P2002") return false; // another node seeded it a moment ago
            throw err;
          },
        );
      if (created) logger?.info({ username: account.username }, "seeded agent");
    } else if (configured && !(await verifyPassword(configured, existing.passwordHash))) {
      await prisma.agent.update({ where: { id: existing.id }, data: { passwordHash: await hashPassword(configured) } });
      logger?.info({ username: account.username }, "agent password reset from configuration");
    }
  }
}

/** The seeded accounts whose password is still the README's (whatever the configuration says now). */
export async function accountsWithDemoPasswords(prisma: PrismaClient): Promise<string[]> {
  const found: string[] = [];
  for (const account of ACCOUNTS) {
    const row = await prisma.agent.findUnique({ where: { username: account.username } });
    if (row && (await verifyPassword(DEFAULT_PASSWORDS[account.username], row.passwordHash))) found.push(account.username);
  }
  return found;
}
