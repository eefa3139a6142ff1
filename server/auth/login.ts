// Checks agent credentials, with failures rate-limited per username and per client IP.
import type { RateLimitStore } from "../../lib/security/rate-limit-store";
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
    private readonly limiter: RateLimitStore,
    private readonly limits: LoginLimits,
  ) {}

  async login(usernameInput: string, password: string, ip: string): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const userKey = `login:user:${username}`;
    const ipKey = `login:ip:${ip}`;
    const [byUser, byIp] = await Promise.all([this.limiter.check(userKey, this.limits.maxFailuresPerUser), this.limiter.check(ipKey, this.limits.maxFailuresPerIp)]);
    if (!byUser.allowed || !byIp.allowed) {
      return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: Math.max(byUser.retryAfterSeconds, byIp.retryAfterSeconds) };
    }
    const agent = await this.prisma.agent.findUnique({ where: { username } });
    const valid = agent && agent.active ? await verifyPassword(password, agent.passwordHash) : await verifyAgainstDummy(password);
    if (!agent || !valid) {
      await Promise.all([this.limiter.record(userKey), this.limiter.record(ipKey)]);
      return { ok: false, code: "INVALID_CREDENTIALS" };
    }
    await this.limiter.reset(userKey);
    return { ok: true, agent: { id: agent.id, username: agent.username, displayName: agent.displayName, role: agent.role } };
  }
}
