// Recording rows have one writer, server/recordings/recording-store.ts, where every status change goes through
// the domain and is conditional. Any other production file that writes them would bypass both.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const SCANNED = ["server", "app", "lib", "entrypoints", "recorder"];
const STORE = "server/recordings/recording-store.ts";
const SKIPPED_DIRS = new Set(["node_modules", "generated", ".next"]);

/** `.recording.create(`, `.recording\n  .updateMany(`, `tx.recording.upsert(`… on any client or transaction. */
const PRISMA_WRITE =
  /\.recording\s*\.\s*(create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\s*\(/;
/** Raw SQL that names the table: `$executeRaw`, `$executeRawUnsafe`, `$queryRaw…` (which can write too). */
const RAW_SQL = /\$(executeRaw|queryRaw)(Unsafe)?\s*(`|\()[^;]*?"Recording"/s;

function sourceFiles(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

function recordingWriters(root: string): string[] {
  return SCANNED.flatMap((top) => sourceFiles(path.join(root, top)))
    .filter((file) => {
      const text = readFileSync(file, "utf8");
      return PRISMA_WRITE.test(text) || RAW_SQL.test(text);
    })
    .map((file) => path.relative(root, file).split(path.sep).join("/"));
}

describe("recording store boundary", () => {
  it("only the recording store writes Recording rows", () => {
    expect(recordingWriters(ROOT).filter((file) => file !== STORE)).toEqual([]);
  });

  it("the scan recognises the writes it forbids", () => {
    for (const line of [
      "await prisma.recording.update({ where: { id } })",
      "void prisma.recording\n  .updateMany({ where: {} })",
      "await tx.recording.create({ data })",
      "await this.prisma.recording.deleteMany({})",
      "await prisma.recording.upsert({})",
      "await prisma.$executeRaw`UPDATE \"Recording\" SET status = 'ready'`",
      "await prisma.$executeRawUnsafe('DELETE FROM \"Recording\"')",
    ]) {
      expect(PRISMA_WRITE.test(line) || RAW_SQL.test(line), line).toBe(true);
    }
    for (const line of [
      "await prisma.recording.findMany({})",
      "await prisma.recordingTrack.create({})",
      'await prisma.$executeRaw`UPDATE "Ticket"`',
    ]) {
      expect(PRISMA_WRITE.test(line) || RAW_SQL.test(line), line).toBe(false);
    }
    // The store itself is found: the scan reaches the files it should.
    expect(recordingWriters(ROOT)).toContain(STORE);
  });
});
