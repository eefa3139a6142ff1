// Applies pending migrations (and the seed) to the configured database, the same way start-up does.
// Usage: npm run db:migrate   (DATABASE_URL unset = the embedded database in DATA_DIR)
import path from "node:path";
import { EnvError, loadEnv } from "@/lib/config/env";
import { openDatabase } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";
import { createLogger } from "@/server/platform/logger";

async function main() {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    poolMax: 1,
    pgliteDir: path.join(path.resolve(env.DATA_DIR), "pglite"),
    logger,
  });
  try {
    if (process.argv.includes("--seed")) {
      await seed(db.prisma, { agent1: env.SEED_AGENT1_PASSWORD, agent2: env.SEED_AGENT2_PASSWORD, admin: env.SEED_ADMIN_PASSWORD }, logger);
    }
    logger.info({ mode: db.mode }, "database is up to date");
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof EnvError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
