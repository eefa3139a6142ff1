// The platform services every process needs (database, object store, auth, rate limits); the composition
// root (server/composition-root.ts) builds them first and closes them last.
import path from "node:path";
import type { Env } from "@/lib/config/env";
import { memoryRateLimits } from "@/lib/security/rate-limit-store";
import { LoginService } from "@/server/platform/auth/login";
import { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { StaffAccounts } from "@/server/help-desk/staff-accounts";
import { buildAuthOptions } from "@/server/platform/auth/next-auth-options";
import { resolveAuthSecret } from "@/server/platform/auth/secret";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { openDatabase } from "@/server/platform/database/database";
import { DEFAULT_PASSWORDS, seed } from "@/server/platform/database/seed";
import type { Logger } from "@/server/platform/logger";
import type { CoreServices } from "@/server/service-registry";
import { connectRedisRateLimits } from "@/server/platform/redis-rate-limits";
import { openStorage, storageConfig } from "@/server/platform/object-store";

export const APP_VERSION = "0.1.0";

export function isSecureDeployment(env: Env): boolean {
  return env.PUBLIC_URL?.startsWith("https://") ?? false;
}

export async function createServices(env: Env, logger: Logger): Promise<CoreServices> {
  const dataDir = path.resolve(env.DATA_DIR);
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    poolMax: env.DATABASE_POOL_MAX,
    pgliteDir: path.join(dataDir, "pglite"),
    pglitePort: env.PGLITE_PORT,
    logger,
  });
  try {
    const passwords = { agent1: env.SEED_AGENT1_PASSWORD, agent2: env.SEED_AGENT2_PASSWORD, admin: env.SEED_ADMIN_PASSWORD };
    await seed(db.prisma, passwords, logger);
    if (env.NODE_ENV === "production" && Object.values(passwords).some((p) => !p)) {
      logger.warn({ defaults: Object.keys(DEFAULT_PASSWORDS) }, "seeded accounts use README passwords; set SEED_*_PASSWORD in production");
    }

    const storageSettings = storageConfig(env, dataDir);
    if (storageSettings.backend === "s3") {
      storageSettings.s3.onEmbeddedFailure = (failure) => logger.error({ failure }, "embedded S3 server failed a request");
    }
    const storage = await openStorage(storageSettings);

    const { secret, generated } = resolveAuthSecret(env.AUTH_SECRET, dataDir);
    if (generated) logger.warn("AUTH_SECRET is not set: using a generated secret kept in the data folder (single node only)");
    // Several nodes share their counters through Redis; one node counts in memory.
    const redisLimits = env.REDIS_URL ? await connectRedisRateLimits(env.REDIS_URL, logger) : undefined;
    const rateLimits = redisLimits?.factory ?? memoryRateLimits;
    const login = new LoginService(db.prisma, rateLimits("login", env.LOGIN_WINDOW_SECONDS * 1000), {
      maxFailuresPerUser: env.LOGIN_MAX_FAILURES_PER_USER,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
    });
    const sessions = new AgentSessions(db.prisma);
    const authOptions = buildAuthOptions({
      login,
      sessions,
      secret,
      maxAgeSeconds: env.SESSION_MAX_AGE_SECONDS,
      secureCookies: isSecureDeployment(env),
      logger,
    });
    return {
      env,
      logger,
      db,
      storage,
      login,
      sessions,
      staff: new StaffAccounts(db.prisma),
      visitorTokens: new VisitorTokens(secret, env.VISITOR_TOKEN_TTL_SECONDS),
      authSecret: secret,
      authOptions,
      startedAt: new Date(),
      version: APP_VERSION,
      rateLimits,
      visitorTokenIssue: rateLimits("visitor-tokens-ip", env.RATE_LIMIT_VISITOR_TOKENS_WINDOW_SECONDS * 1000),
      closeRateLimits: async () => redisLimits?.close(),
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

export async function closeServices(services: CoreServices): Promise<void> {
  await services.closeRateLimits().catch(() => undefined);
  await services.storage.close().catch((err) => services.logger.warn({ err }, "closing object store failed"));
  await services.db.close().catch((err) => services.logger.warn({ err }, "closing database failed"));
}
