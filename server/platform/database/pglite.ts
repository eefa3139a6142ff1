// Embedded PostgreSQL for a zero-install run: PGlite (PostgreSQL in WASM) kept on disk and served on
// loopback, so Prisma's pg adapter and pg-boss use exactly the driver path they use with real PostgreSQL.
// PGlite is only correct with ONE connection in total (measured: a pool of 5 returned wrong rows),
// so the caller must use a pool of max 1 (the socket server admits a second only for a replacement, see below).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** dataDir undefined = in memory (tests). */
export async function startEmbeddedPostgres(opts: { dataDir?: string; port?: number }): Promise<EmbeddedPostgres> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true }); // PGlite does not create parents
  const release = opts.dataDir ? holdDataDir(opts.dataDir) : () => {};
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {}).catch((err) => {
    release();
    throw err;
  });
  // The app's pool (max 1) is what keeps it to one connection. pg-pool drops a client after any failed query and
  // connects anew at once, while the server may still be tearing the old socket down: with a server limit of 1 that
  // new connection was refused and the next query failed ("Connection terminated unexpectedly", measured after a
  // unique-key violation). The limit of 2 admits the replacement; the pool never holds two at once.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: opts.port ?? 0, maxConnections: 2 });
  await server.start();
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
      release();
    },
  };
}

/**
 * PGlite has no locking of its own: two processes on one folder corrupt it. The app, the CLI and the migration
 * script each hold `<dataDir>.lock` (their pid) while open; a lock whose process is gone is taken over.
 */
function holdDataDir(dataDir: string): () => void {
  const lock = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(lock, "utf8"));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${holder} (the app?); stop it first, or set DATABASE_URL to a PostgreSQL server`,
        );
      }
      rmSync(lock, { force: true }); // left by a process that is gone
    }
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
