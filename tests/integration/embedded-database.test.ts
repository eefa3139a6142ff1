// The database layer's own guarantees, in both modes: a failed statement does not cost the next one its
// connection, and an embedded database folder is opened by one process at a time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/platform/database/database";
import { startEmbeddedPostgres } from "@/server/platform/database/pglite";
import { openTestDatabase } from "@/tests/support/test-database";

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db?.close());

describe("database connection", () => {
  it("answers the statement right after a failed one (pg-pool replaces the client it dropped)", async () => {
    await db.pool.query("CREATE TABLE probe (name text UNIQUE)");
    await db.pool.query("INSERT INTO probe VALUES ($1)", ["a"]);
    for (let i = 0; i < 5; i++) {
      await expect(db.pool.query("INSERT INTO probe VALUES ($1)", ["a"])).rejects.toThrow(/duplicate key/);
      expect((await db.pool.query("SELECT count(*)::int AS n FROM probe")).rows).toEqual([{ n: 1 }]);
    }
    // Through Prisma as the app uses it: a unique violation, then at once another query.
    await expect(db.prisma.skill.create({ data: { name: "dup", label: "One" } })).resolves.toBeTruthy();
    await expect(db.prisma.skill.create({ data: { name: "dup", label: "Two" } })).rejects.toMatchObject({ code: "P2002" });
    expect(await db.prisma.skill.count({ where: { name: "dup" } })).toBe(1);
  });
});

describe("embedded database folder", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vhd-pglite-lock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is refused while another live process holds it, taken over from a dead one, released on stop", async () => {
    const dataDir = path.join(dir, "pglite");
    writeFileSync(`${dataDir}.lock`, String(process.ppid)); // a live process that is not this one
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(`in use by process ${process.ppid}`);
    writeFileSync(`${dataDir}.lock`, "4194303"); // above Linux's pid_max default: no such process
    const embedded = await startEmbeddedPostgres({ dataDir });
    expect(readFileSync(`${dataDir}.lock`, "utf8")).toBe(String(process.pid));
    await embedded.stop();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
