import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRateLimitStore } from "@/lib/security/rate-limit-store";
import { LoginService } from "@/server/platform/auth/login";
import { verifyPassword } from "@/server/platform/auth/passwords";
import type { Database } from "@/server/platform/database/database";
import { DEFAULT_PASSWORDS, seed } from "@/server/platform/database/seed";
import { openTestDatabase, testDatabaseMode } from "@/tests/support/test-database";

describe(`seed and login (${testDatabaseMode()})`, () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    // Several nodes starting together on one fresh database seed at the same moment: none may fail.
    await Promise.all([seed(db.prisma, {}), seed(db.prisma, {}), seed(db.prisma, {})]);
  });
  afterAll(async () => {
    await db?.close();
  });

  it("seeds the agents, the admin and the skills, idempotently", async () => {
    await seed(db.prisma, {});
    const agents = await db.prisma.agent.findMany({ orderBy: { username: "asc" }, include: { skills: true } });
    expect(agents.map((a) => [a.username, a.role])).toEqual([
      ["admin", "admin"],
      ["agent1", "agent"],
      ["agent2", "agent"],
    ]);
    expect(agents[1]!.skills.map((s) => s.name).sort()).toEqual(["billing", "general", "technical"]);
    expect((await db.prisma.skill.findMany()).map((s) => s.name).sort()).toEqual(["billing", "general", "technical"]);
    expect(agents[1]!.passwordHash).not.toContain(DEFAULT_PASSWORDS.agent1);
    expect(agents[1]!.passwordHash).toMatch(/^\$2[aby]\$12\$/);
  });

  it("resets a password when one is configured and leaves others alone", async () => {
    const before = await db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    await seed(db.prisma, { agent2: "a-new-secret-password" });
    const agent2 = await db.prisma.agent.findUniqueOrThrow({ where: { username: "agent2" } });
    expect(await verifyPassword("a-new-secret-password", agent2.passwordHash)).toBe(true);
    const agent1 = await db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    expect(agent1.passwordHash).toBe(before.passwordHash);
    await seed(db.prisma, { agent2: DEFAULT_PASSWORDS.agent2 });
  });

  it("logs in with the right password, case-insensitively on the username", async () => {
    const login = new LoginService(db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 5, maxFailuresPerIp: 20 });
    const ok = await login.login(" Agent1 ", DEFAULT_PASSWORDS.agent1, "10.0.0.1");
    expect(ok).toMatchObject({ ok: true, agent: { username: "agent1", displayName: "Alice Agent", role: "agent" } });
    expect(await login.login("agent1", "wrong", "10.0.0.1")).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
    expect(await login.login("nobody", "wrong", "10.0.0.1")).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
  });

  it("rate-limits failures per username, even for the right password afterwards", async () => {
    const login = new LoginService(db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 3, maxFailuresPerIp: 100 });
    for (let i = 0; i < 3; i++) await login.login("agent2", "wrong", `10.0.1.${i}`);
    const refused = await login.login("agent2", DEFAULT_PASSWORDS.agent2, "10.0.1.99");
    expect(refused).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect((refused as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((await login.login("agent1", DEFAULT_PASSWORDS.agent1, "10.0.1.99")).ok).toBe(true);
  });

  it("rate-limits failures per IP across usernames", async () => {
    const login = new LoginService(db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 100, maxFailuresPerIp: 3 });
    for (const name of ["a", "b", "c"]) await login.login(name, "wrong", "10.0.2.1");
    expect(await login.login("agent1", DEFAULT_PASSWORDS.agent1, "10.0.2.1")).toMatchObject({ code: "RATE_LIMITED" });
    expect((await login.login("agent1", DEFAULT_PASSWORDS.agent1, "10.0.2.2")).ok).toBe(true);
  });

  it("parallel guesses at one username get no more tries than the limit", async () => {
    const login = new LoginService(db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 3, maxFailuresPerIp: 100 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login.login("agent1", `guess-${i}`, `10.0.3.${i}`)));
    expect(results.filter((r) => !r.ok && r.code === "INVALID_CREDENTIALS")).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.code === "RATE_LIMITED")).toHaveLength(9);
  });
});
