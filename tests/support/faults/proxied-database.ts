// The test database (a throw-away database on the PostgreSQL server named by DATABASE_URL, otherwise an
// in-memory PGlite served on loopback by pglite-socket, as the app does) reached through a TCP fault proxy,
// so a test can take the database away and bring it back without touching the machine's server.
// Mirrors tests/helpers/test-database.ts, which has no way to put a proxy in the path.
import { parseEnv } from "@/lib/config/env";
import { openDatabase, type Database } from "@/server/platform/database/database";
import { startEmbeddedPostgres } from "@/server/platform/database/pglite";
import { seed } from "@/server/platform/database/seed";
import { startTcpFaultProxy, type TcpFaultProxy } from "@/tests/support/tcp-fault-proxy";
import { silentLogger } from "@/tests/support/test-database";
import { createScratchDatabase } from "@/tests/support/scratch-database";

export interface ProxiedDatabase {
  db: Database;
  proxy: TcpFaultProxy;
  mode: "postgres" | "pglite";
  close(): Promise<void>;
}

export async function openProxiedDatabase(opts: { proxyPort: number }): Promise<ProxiedDatabase> {
  const serverUrl = parseEnv(process.env).DATABASE_URL;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({});
    const target = new URL(embedded.url);
    const proxy = await startTcpFaultProxy({ host: target.hostname, port: Number(target.port) }, { port: opts.proxyPort });
    target.host = `127.0.0.1:${proxy.port}`;
    // PGlite is only correct with one connection in total: a pool of one, as the app uses it.
    const db = await openDatabase({ databaseUrl: target.toString(), poolMax: 1, logger: silentLogger });
    await seed(db.prisma, {});
    return {
      db,
      proxy,
      mode: "pglite",
      async close() {
        await db.close().catch(() => undefined);
        await proxy.close();
        await embedded.stop();
      },
    };
  }

  const scratch = await createScratchDatabase(serverUrl, "vhd_fault");
  const server = new URL(serverUrl);
  const proxy = await startTcpFaultProxy({ host: server.hostname, port: Number(server.port || 5432) }, { port: opts.proxyPort });
  const url = new URL(scratch.url);
  url.host = `127.0.0.1:${proxy.port}`;
  const db = await openDatabase({ databaseUrl: url.toString(), poolMax: 5, logger: silentLogger });
  await seed(db.prisma, {});
  return {
    db,
    proxy,
    mode: "postgres",
    async close() {
      await db.close().catch(() => undefined);
      await proxy.close();
      await scratch.drop();
    },
  };
}
