// Checks agent credentials, with failures rate-limited per username and per client IP.
import type { Role } from "@/lib/domain/agent-account";
import type { RateLimitStore } from "@/lib/security/rate-limit-store";
import type { PrismaClient } from "@/server/platform/database/generated/client";
import { verifyAgainstDummy, verifyPassword } from "@/server/platform/auth/passwords";

export interface AgentIdentity {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** The session epoch a session issued now carries. */
  sessionEpoch: number;
}

export type LoginResult =
  | { ok: true; agent: AgentIdentity }
  | { ok: false; code: "INVALID_CREDENTIALS" }
  | { ok: false; code: "RATE_LIMITED"; retryAfterSeconds: number };

export interface LoginLimits {
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
}

export class LoginService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly limiter: RateLimitStore,
    private readonly limits: LoginLimits,
  ) {}

  async login(usernameInput: string, password: string, ip: string): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const userKey = `login:user:${username}`;
    const ipKey = `login:ip:${ip}`;
    // The username's attempt is counted before the password is checked (and forgiven on success), so parallel
    // guesses cannot all pass the check while the slow hash runs.
    const byIp = await this.limiter.check(ipKey, this.limits.maxFailuresPerIp);
    const byUser = byIp.allowed ? await this.limiter.take(userKey, this.limits.maxFailuresPerUser) : byIp;
    if (!byUser.allowed || !byIp.allowed) {
      return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: Math.max(byUser.retryAfterSeconds, byIp.retryAfterSeconds) };
    }
    const agent = await this.prisma.agent.findUnique({ where: { username } });
    const valid = agent?.active ? await verifyPassword(password, agent.passwordHash) : await verifyAgainstDummy(password);
    if (!agent || !valid) {
      await this.limiter.record(ipKey);
      return { ok: false, code: "INVALID_CREDENTIALS" };
    }
    await this.limiter.reset(userKey);
    return {
      ok: true,
      agent: { id: agent.id, username: agent.username, displayName: agent.displayName, role: agent.role, sessionEpoch: agent.sessionEpoch },
    };
  }
}
