// A fresh, migrated database per test file: a new database on the PostgreSQL server named by
// DATABASE_URL when it is set, otherwise an in-memory PGlite served on loopback (the app's embedded path).
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { parseEnv } from "@/lib/config/env";
import { openDatabase, type Database } from "@/server/db/database";

export const silentLogger = pino({ level: "silent" });

export function testDatabaseMode(): "postgres" | "pglite" {
  return parseEnv(process.env).DATABASE_URL ? "postgres" : "pglite";
}

export async function openTestDatabase(opts: { migrationsDir?: string } = {}): Promise<Database> {
  const serverUrl = parseEnv(process.env).DATABASE_URL;
  if (!serverUrl) return openDatabase({ poolMax: 1, logger: silentLogger, migrationsDir: opts.migrationsDir });

  const name = `vhd_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), poolMax: 5, logger: silentLogger, migrationsDir: opts.migrationsDir });
  return {
    ...db,
    async close() {
      await db.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
