// npm run db:migration -- <name>
// Writes prisma/migrations/<UTC timestamp>_<name>/migration.sql with the SQL that takes the existing
// migrations to prisma/schema.prisma: the job of `prisma migrate dev --create-only`, whose native engine
// can't be downloaded here. Review the SQL (e.g. add data backfills) before committing it.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { diffMigrationsToSchema, MIGRATION_LOCK_CONTENT, MIGRATION_LOCK_FILE } from "@/server/platform/database/schema-diff";

const root = path.resolve(import.meta.dirname, "..");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const migrationsDir = path.join(root, "prisma", "migrations");

/** Prisma's own folder-name format: YYYYMMDDHHMMSS in UTC. */
function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\D/g, "").slice(0, 14);
}

async function main(): Promise<number> {
  const verbose = process.argv.includes("--verbose");
  const args = process.argv.slice(2).filter((a) => a !== "--verbose");
  const name = args[0];
  if (args.length !== 1 || !name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("Usage: npm run db:migration -- <name> [--verbose]   (name: lowercase letters, digits and _ only)");
    return 1;
  }

  // Before diffing: the engine refuses a migrations folder without its lock file.
  const lockPath = path.join(migrationsDir, MIGRATION_LOCK_FILE);
  if (!existsSync(lockPath)) {
    await mkdir(migrationsDir, { recursive: true });
    await writeFile(lockPath, MIGRATION_LOCK_CONTENT);
  }

  const log = verbose ? (message: string) => process.stderr.write(`[schema-engine] ${message}\n`) : undefined;
  const sql = await diffMigrationsToSchema({ schemaPath, migrationsDir, log });
  if (sql === "") {
    console.log("No schema changes; no migration written.");
    return 0;
  }

  const dir = path.join(migrationsDir, `${timestamp()}_${name}`);
  if (existsSync(dir)) throw new Error(`${path.relative(root, dir)} already exists`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "migration.sql");
  await writeFile(file, sql);

  console.log(path.relative(process.cwd(), file));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`Could not create the migration: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
