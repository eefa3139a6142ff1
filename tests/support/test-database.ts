// A fresh, migrated database per test file: a new database on the PostgreSQL server named by
// DATABASE_URL when it is set, otherwise an in-memory PGlite served on loopback (the app's embedded path).
import pino from "pino";
import { parseEnv } from "@/lib/config/env";
import { openDatabase, type Database } from "@/server/platform/database/database";
import { createScratchDatabase } from "@/tests/support/scratch-database";

export const silentLogger = pino({ level: "silent" });

/** Who calls the recordings library in tests, as the access trail records it. */
export const TEST_CLIENT = { ip: "127.0.0.1", userAgent: "vitest" };

export function testDatabaseMode(): "postgres" | "pglite" {
  return parseEnv(process.env).DATABASE_URL ? "postgres" : "pglite";
}

export async function openTestDatabase(opts: { migrationsDir?: string } = {}): Promise<Database> {
  const serverUrl = parseEnv(process.env).DATABASE_URL;
  if (!serverUrl) return openDatabase({ poolMax: 1, logger: silentLogger, migrationsDir: opts.migrationsDir });

  const scratch = await createScratchDatabase(serverUrl, "vhd_test");
  const db = await openDatabase({ databaseUrl: scratch.url, poolMax: 5, logger: silentLogger, migrationsDir: opts.migrationsDir });
  return {
    ...db,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}
