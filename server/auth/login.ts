// Checks agent credentials, with failures rate-limited per username and per client IP.
import type { FailureRateLimiter } from "../../lib/security/rate-limiter";
import type { PrismaClient } from "../db/generated/client";
import { verifyAgainstDummy, verifyPassword } from "./passwords";

export interface AgentIdentity {
  id: string;
  username: string;
  displayName: string;
  role: "agent" | "admin";
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
    private readonly limiter: FailureRateLimiter,
    private readonly limits: LoginLimits,
  ) {}

  async login(usernameInput: string, password: string, ip: string): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const userKey = `login:user:${username}`;
    const ipKey = `login:ip:${ip}`;
    const byUser = this.limiter.check(userKey, this.limits.maxFailuresPerUser);
    const byIp = this.limiter.check(ipKey, this.limits.maxFailuresPerIp);
    if (!byUser.allowed || !byIp.allowed) {
      return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: Math.max(byUser.retryAfterSeconds, byIp.retryAfterSeconds) };
    }
    const agent = await this.prisma.agent.findUnique({ where: { username } });
    const valid = agent && agent.active ? await verifyPassword(password, agent.passwordHash) : await verifyAgainstDummy(password);
    if (!agent || !valid) {
      this.limiter.recordFailure(userKey);
      this.limiter.recordFailure(ipKey);
      return { ok: false, code: "INVALID_CREDENTIALS" };
    }
    this.limiter.reset(userKey);
    return { ok: true, agent: { id: agent.id, username: agent.username, displayName: agent.displayName, role: agent.role } };
  }
}
