// Opens the app's one database: the configured PostgreSQL, or embedded PGlite when DATABASE_URL is unset.
// Everything above the pg driver (Prisma, pg-boss, migrations) is the same in both modes.
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Logger } from "pino";
import { PrismaClient } from "@/server/platform/database/generated/client";
import { applyMigrations } from "@/server/platform/database/migrate";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/server/platform/database/pglite";

export type DatabaseMode = "postgres" | "pglite";

export interface Database {
  mode: DatabaseMode;
  prisma: PrismaClient;
  /** Shared by Prisma, pg-boss and raw queries: with PGlite it is THE one connection. */
  pool: pg.Pool;
  ping(): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  poolMax: number;
  /** Folder for the embedded database; undefined with no databaseUrl = in memory. */
  pgliteDir?: string;
  pglitePort?: number;
  migrationsDir?: string;
  logger: Logger;
}

export const MIGRATIONS_DIR = path.resolve("prisma/migrations");

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = opts.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: opts.pgliteDir, port: opts.pglitePort });
    url = embedded.url;
  }
  const mode: DatabaseMode = embedded ? "pglite" : "postgres";
  const pool = new pg.Pool({
    connectionString: url,
    max: embedded ? 1 : opts.poolMax,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: embedded ? 0 : 30_000,
  });
  // An idle client's error (server restart, network cut) is emitted on the pool; unhandled it kills the process.
  pool.on("error", (error) => opts.logger.warn({ err: error }, "database connection lost; the pool will reconnect"));

  try {
    const applied = await applyMigrations(pool, opts.migrationsDir ?? MIGRATIONS_DIR);
    if (applied.length) opts.logger.info({ applied }, "database migrations applied");
  } catch (error) {
    await pool.end().catch(() => {});
    await embedded?.stop();
    throw error;
  }

  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed = false;
  return {
    mode,
    prisma,
    pool,
    async ping() {
      const started = performance.now();
      try {
        await pool.query("SELECT 1");
        return { ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
      await embedded?.stop();
    },
  };
}
