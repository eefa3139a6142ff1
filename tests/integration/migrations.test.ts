import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, type Database } from "@/server/platform/database/database";
import { applyMigrations, readMigrations } from "@/server/platform/database/migrate";
import { openTestDatabase, testDatabaseMode } from "@/tests/support/test-database";

describe(`migrations (${testDatabaseMode()})`, () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("records every migration in Prisma's ledger with Prisma's checksum", async () => {
    const { rows } = await db.pool.query(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    const files = readMigrations(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, file] of files.entries()) {
      const bytes = readFileSync(path.join(MIGRATIONS_DIR, file.name, "migration.sql"));
      expect(rows[i].checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(rows[i].finished_at).toBeInstanceOf(Date);
      expect(rows[i].rolled_back_at).toBeNull();
    }
  });

  it("creates the application tables", async () => {
    const { rows } = await db.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    const tables = rows.map((r) => r.table_name);
    for (const t of [
      "Agent",
      "Skill",
      "Ticket",
      "MeetingPoint",
      "Invitation",
      "WaitListEntry",
      "Participant",
      "ChatMessage",
      "Recording",
      "RecordingTrack",
    ]) {
      expect(tables).toContain(t);
    }
  });

  it("is idempotent: a second run applies nothing", async () => {
    expect(await applyMigrations(db.pool, MIGRATIONS_DIR)).toEqual([]);
  });

  it("applies a new migration once and refuses an applied one that was edited", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vhd-migrations-"));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const extra = path.join(dir, "29991231000000_extra");
      cpSync(path.join(dir, readMigrations(dir)[0]!.name), extra, { recursive: true });
      writeFileSync(path.join(extra, "migration.sql"), `CREATE TABLE "ExtraThing" ("id" TEXT PRIMARY KEY);\n`);
      expect(await applyMigrations(db.pool, dir)).toEqual(["29991231000000_extra"]);
      expect(await applyMigrations(db.pool, dir)).toEqual([]);

      writeFileSync(path.join(extra, "migration.sql"), `CREATE TABLE "ExtraThing2" ("id" TEXT PRIMARY KEY);\n`);
      await expect(applyMigrations(db.pool, dir)).rejects.toThrow(/29991231000000_extra was edited/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rolls back a failing migration and leaves no ledger row for it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "vhd-migrations-"));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const broken = path.join(dir, "29991231000001_broken");
      cpSync(path.join(dir, readMigrations(dir)[0]!.name), broken, { recursive: true });
      writeFileSync(path.join(broken, "migration.sql"), `CREATE TABLE "Half" ("id" TEXT);\nSELECT * FROM "NoSuchTable";\n`);
      await expect(applyMigrations(db.pool, dir)).rejects.toThrow(/29991231000001_broken failed/);
      const { rows } = await db.pool.query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29991231000001_broken'`);
      expect(rows).toHaveLength(0);
      const half = await db.pool.query(`SELECT to_regclass('"Half"') AS t`);
      expect(half.rows[0].t).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
