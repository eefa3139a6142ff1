// Staff accounts against the real database (PGlite, and PostgreSQL in its pass): creating, editing, the last
// admin, ending sessions (login, the session check, open sockets) and skills.
import { encode } from "next-auth/jwt";
import { io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRateLimitStore } from "@/lib/security/rate-limit-store";
import { StaffAccounts } from "@/server/help-desk/staff-accounts";
import { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { LoginService } from "@/server/platform/auth/login";
import { SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

let stack: RealtimeStack;
let staff: StaffAccounts;
let login: LoginService;
let sessions: AgentSessions;

beforeAll(async () => {
  stack = await startRealtimeStack();
  staff = new StaffAccounts(stack.db.prisma);
  login = new LoginService(stack.db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 100, maxFailuresPerIp: 100 });
  sessions = new AgentSessions(stack.db.prisma, 0);
});
afterAll(async () => stack?.close());

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: { code?: string; message?: string }) => err.code,
  );

describe("staff accounts", () => {
  it("creates an agent who can sign in with the skills given; refuses a taken name, unknown skills and short passwords", async () => {
    const nina = await staff.create({
      username: " Nina ",
      displayName: "Nina Nurse",
      password: "nina-password",
      role: "agent",
      skills: ["billing"],
    });
    expect(nina).toMatchObject({ username: "nina", displayName: "Nina Nurse", role: "agent", active: true, skills: ["billing"] });
    expect(await login.login("nina", "nina-password", "10.0.0.1")).toMatchObject({ ok: true, agent: { id: nina.id, sessionEpoch: 0 } });
    const again = { username: "nina", displayName: "Other", password: "other-password", role: "agent" as const, skills: [] };
    expect(await refusal(staff.create(again))).toBe("CONFLICT");
    expect(await refusal(staff.create({ ...again, username: "nora", skills: ["astrology"] }))).toBe("BAD_REQUEST");
    expect(await refusal(staff.create({ ...again, username: "nora", password: "short" }))).toBe("BAD_REQUEST");
    expect(await refusal(staff.create({ ...again, username: "no spaces" }))).toBe("BAD_REQUEST");
    expect((await staff.list()).map((a) => a.username)).not.toContain("nora");
  });

  it("edits name, skills and role; the session check reports the new role without signing anyone out", async () => {
    const sam = await staff.create({ username: "sam", displayName: "Sam", password: "sam-password", role: "agent", skills: ["general"] });
    const edited = await staff.update(sam.id, { displayName: "Sam Supervisor", role: "supervisor", skills: ["billing", "technical"] });
    expect(edited).toMatchObject({ displayName: "Sam Supervisor", role: "supervisor", skills: ["billing", "technical"] });
    expect(await sessions.current(sam.id, 0)).toEqual({ role: "supervisor", displayName: "Sam Supervisor" });
  });

  it("never leaves the desk without an active admin, even when two admins demote each other at once", async () => {
    const admin = await staff.findByUsername("admin");
    expect(await refusal(staff.setActive(admin.id, false))).toBe("CONFLICT");
    expect(await refusal(staff.update(admin.id, { role: "agent" }))).toBe("CONFLICT");
    const second = await staff.create({
      username: "root2",
      displayName: "Second Admin",
      password: "root2-password",
      role: "admin",
      skills: [],
    });
    const outcomes = await Promise.allSettled([staff.update(admin.id, { role: "agent" }), staff.update(second.id, { role: "agent" })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
    const admins = (await staff.list()).filter((a) => a.role === "admin" && a.active);
    expect(admins).toHaveLength(1);
    await staff.update(admins[0]!.id === admin.id ? second.id : admin.id, { role: "admin" }); // both admins again
  });

  it("deactivating ends the agent's sessions: sign-in refused, the open socket closed, the old cookie refused after reactivation", async () => {
    const vic = await staff.create({ username: "vic", displayName: "Vic", password: "vic-password", role: "agent", skills: [] });
    const cookie = `next-auth.session-token=${await encode({ secret: SECRET, token: { sub: vic.id, username: "vic", role: "agent", epoch: 0 } })}`;
    const socket = connect(stack.url, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    const ended = new Promise<{ message: string }>((resolve) => socket.once("session:ended", resolve));
    const closed = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    const at = Date.now();
    await staff.setActive(vic.id, false);
    expect((await ended).message).toMatch(/ended/);
    expect(await closed).toBe("io server disconnect");
    const tookMs = Date.now() - at;
    console.log(`deactivated → socket closed in ${tookMs} ms`);
    expect(tookMs).toBeLessThan(5000);

    expect(await login.login("vic", "vic-password", "10.0.0.2")).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
    expect(await sessions.current(vic.id, 0)).toBeNull();
    await staff.setActive(vic.id, true);
    expect(await login.login("vic", "vic-password", "10.0.0.2")).toMatchObject({ ok: true, agent: { sessionEpoch: 1 } });
    expect(await sessions.current(vic.id, 0)).toBeNull(); // the session from before stays ended
    const retry = connect(stack.url, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie } });
    const refused = await new Promise<unknown>((resolve) => {
      retry.once("connect", () => resolve("connected"));
      retry.once("connect_error", (err) => resolve((err as Error & { data?: unknown }).data));
    });
    retry.disconnect();
    expect(refused).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("a password reset replaces the password and ends the sessions issued before it", async () => {
    const rita = await staff.create({ username: "rita", displayName: "Rita", password: "rita-password", role: "agent", skills: [] });
    await staff.resetPassword(rita.id, "rita-new-password");
    expect(await login.login("rita", "rita-password", "10.0.0.3")).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
    expect(await login.login("rita", "rita-new-password", "10.0.0.3")).toMatchObject({ ok: true, agent: { sessionEpoch: 1 } });
    expect(await sessions.current(rita.id, 0)).toBeNull();
    expect(await sessions.current(rita.id, 1)).toMatchObject({ role: "agent" });
  });

  it("adds and renames skills; the key stays, so tickets and widgets that use it keep working", async () => {
    const added = await staff.addSkill({ name: "Insurance", label: "Insurance claims" });
    expect(added).toMatchObject({ name: "insurance", label: "Insurance claims", agents: 0 });
    expect(await refusal(staff.addSkill({ name: "insurance", label: "Again" }))).toBe("CONFLICT");
    expect(await refusal(staff.addSkill({ name: "bad key!", label: "Bad" }))).toBe("BAD_REQUEST");
    const renamed = await staff.renameSkill(added.id, "Claims and cover");
    expect(renamed).toMatchObject({ name: "insurance", label: "Claims and cover" });
    const ivy = await staff.create({ username: "ivy", displayName: "Ivy", password: "ivy-password", role: "agent", skills: ["insurance"] });
    expect(ivy.skills).toEqual(["insurance"]);
    expect((await staff.skills()).find((s) => s.name === "insurance")?.agents).toBe(1);
  });
});
