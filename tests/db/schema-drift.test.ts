// Fails when prisma/schema.prisma changed without a migration in prisma/migrations.
// Each diff boots Prisma's wasm schema engine and an in-memory PGlite shadow database: several seconds each.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { diffMigrationsToSchema } from "@/server/platform/database/schema-diff";

const root = path.resolve(import.meta.dirname, "../..");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const migrationsDir = path.join(root, "prisma", "migrations");

describe("database schema drift", () => {
  it("prisma/migrations produce exactly the datamodel in prisma/schema.prisma", { timeout: 120_000 }, async () => {
    const sql = await diffMigrationsToSchema({ schemaPath, migrationsDir });
    expect(
      sql,
      "prisma/schema.prisma differs from what prisma/migrations build. Create a migration with " +
        "`npm run db:migration -- <name>`, review it, and commit it. Missing SQL:\n" +
        sql,
    ).toBe("");
  });

  it("detects a schema change that has no migration", { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "schema-drift-"));
    try {
      const schema = await readFile(schemaPath, "utf8");
      // A name no real model will use, so this keeps working whatever the schema grows.
      const changed = schema.replace(/^model Agent \{\n/m, (head) => `${head}  driftProbeNickname String?\n`);
      expect(changed, "the test needs `model Agent {` in schema.prisma").not.toBe(schema);
      const changedPath = path.join(dir, "schema.prisma");
      await writeFile(changedPath, changed);

      const sql = await diffMigrationsToSchema({ schemaPath: changedPath, migrationsDir });
      expect(sql).not.toBe("");
      expect(sql).toMatch(/ALTER TABLE "Agent" ADD COLUMN\s+"driftProbeNickname" TEXT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
