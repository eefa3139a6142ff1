// Embedded PGlite against real PostgreSQL through the app's own data path (pg pool -> Prisma adapter).
// Same workload on both, in one run, reported as ratios: the machines are shared, absolute times are noise.
// Run: npx tsx bench/db-modes.ts [iterations] [postgres-url]   (default server: 127.0.0.1:5432; a scratch database is created and dropped)
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { openDatabase, type Database } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";

const iterations = Number(process.argv[2] ?? 300);
const serverUrl = process.argv[3] ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const logger = pino({ level: "silent" });

async function workload(db: Database) {
  const timings: Record<string, number> = {};
  const time = async (name: string, fn: () => Promise<unknown>) => {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    timings[name] = (performance.now() - started) / iterations;
  };
  const agent = await db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
  await time("read by unique key", () => db.prisma.agent.findUnique({ where: { username: "agent1" } }));
  await time("insert ticket", () => db.prisma.ticket.create({ data: { visitorId: crypto.randomUUID() } }));
  await time("queue page (20 oldest waiting)", () =>
    db.prisma.ticket.findMany({ where: { status: "waiting" }, orderBy: { createdAt: "asc" }, take: 20 }),
  );
  await time("claim in transaction", () =>
    db.prisma.$transaction(async (tx) => {
      const next = await tx.ticket.findFirst({ where: { status: "waiting" }, orderBy: { createdAt: "asc" } });
      if (next) await tx.ticket.update({ where: { id: next.id }, data: { status: "assigned", agentId: agent.id } });
    }),
  );
  return timings;
}

async function main() {
  const name = `vhd_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const results: Record<string, Record<string, number>> = {};
  try {
    for (const [mode, databaseUrl] of [
      ["postgres", url.toString()],
      ["pglite", undefined],
    ] as const) {
      const db = await openDatabase({ databaseUrl, poolMax: 5, logger });
      await seed(db.prisma, {});
      await workload(db); // warm-up: query plans, JIT, connection set-up
      results[mode] = await workload(db);
      await db.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
  console.log(`iterations per operation: ${iterations}`);
  console.log("operation".padEnd(34) + "postgres ms".padStart(12) + "pglite ms".padStart(12) + "pglite/postgres".padStart(17));
  for (const op of Object.keys(results.postgres!)) {
    const a = results.postgres![op]!;
    const b = results.pglite![op]!;
    console.log(`${op.padEnd(34) + a.toFixed(3).padStart(12) + b.toFixed(3).padStart(12) + (b / a).toFixed(2).padStart(16)}x`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
