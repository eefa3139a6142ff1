// Runs Prisma's schema engine without its native binary (which cannot be downloaded on these machines):
// the WASM build shipped inside the `prisma` CLI package, driven through a driver adapter whose databases
// are throw-away in-memory PGlite instances. Dev/test tooling only; the app never imports this.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlQueryable,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

const require = createRequire(import.meta.url);

let engineClass: Promise<typeof SchemaEngine> | undefined;

/**
 * The engine reports a Rust panic's message through this global (the Prisma CLI installs the same one) and
 * then traps with a bare "RuntimeError: unreachable", usually as an uncaught exception from a callback, so
 * the message is printed right away or it would be lost. The wasm instance is unusable after a panic.
 */
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } }).PRISMA_WASM_PANIC_REGISTRY ??= {
  set_message(message: string) {
    process.stderr.write(`Prisma schema engine (wasm) panicked: ${message}\n`);
  },
};

/**
 * The wasm comes from the installed `prisma` package so the SQL matches what `prisma migrate` produces on
 * machines that have the native engine. The npm package `@prisma/schema-engine-wasm` only contributes its
 * wasm-bindgen JS glue: there is no release for the exact engine hash prisma 7.10.1 uses, and the glue's
 * import/export names (hashed by wasm-bindgen) must equal the wasm's, which `loadSchemaEngine` checks.
 * Instantiated once per process: wasm-bindgen keeps module-level state and breaks if started twice.
 */
export function loadSchemaEngine(): Promise<typeof SchemaEngine> {
  engineClass ??= (async () => {
    const wasmPath = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "schema_engine_bg.wasm");
    // Imported by absolute URL: tsx's CJS-in-ESM loading can't resolve bare specifiers in dynamic import().
    const glue: typeof import("@prisma/schema-engine-wasm/schema_engine_bg") = await import(
      pathToFileURL(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")).href
    );
    const module = new WebAssembly.Module(await readFile(wasmPath));
    const missing = WebAssembly.Module.imports(module)
      .map((i) => i.name)
      .filter((name) => typeof (glue as Record<string, unknown>)[name] !== "function");
    if (missing.length > 0) {
      throw new Error(
        `@prisma/schema-engine-wasm glue does not match ${wasmPath} (missing ${missing.slice(0, 3).join(", ")}…): ` +
          "install the schema-engine-wasm version whose hash matches @prisma/engines-version.",
      );
    }
    const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": glue as WebAssembly.ModuleImports });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue.SchemaEngine;
  })();
  return engineClass;
}

/** A PGlite served on a loopback port so that `pg` (and thus @prisma/adapter-pg) can talk to it. */
async function startPglite(): Promise<{ pool: pg.Pool; close: () => Promise<void> }> {
  const db = new PGlite();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const [host, port] = server.getServerConn().split(":");
  // PGlite is a single backend: more than one connection interleaves sessions and returns wrong results.
  const pool = new pg.Pool({
    host,
    port: Number(port),
    user: "postgres",
    database: "postgres",
    max: 1,
    Client: CharAsTextClient,
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await pool.end().catch(() => {});
      await server.stop().catch(() => {});
      await db.close().catch(() => {});
    })());
  return { pool, close };
}

/**
 * @prisma/adapter-pg 7.10.1 has no mapping for PostgreSQL's internal `"char"` type (OID 18), which the schema
 * engine's catalog queries return (pg_constraint.contype, ...): it throws UnsupportedNativeDataType. This
 * client relabels such columns as `text` so the adapter accepts them (the values already are one-letter
 * strings), and remembers them by the result's `rows` array, which the adapter passes through unchanged,
 * so that `withCharColumns` can report them to the engine as Character, the type it reads them as.
 */
const charColumns = new WeakMap<unknown[], number[]>();
const CHAR_OID = 18;
const TEXT_OID = 25;

class CharAsTextClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: overrides every overload of pg.Client.query at once
  override query(...args: any[]): any {
    const cbIndex = args.findIndex((a) => typeof a === "function");
    if (cbIndex > 0) {
      const cb = args[cbIndex];
      args[cbIndex] = (err: unknown, res: unknown) => cb(err, err ? res : relabelChar(res));
    }
    // biome-ignore lint/suspicious/noExplicitAny: calls whichever overload the caller chose
    const result = (super.query as (...a: any[]) => any)(...args);
    return cbIndex < 0 && typeof result?.then === "function" ? result.then(relabelChar) : result;
  }
}

function relabelChar<T>(res: T): T {
  for (const r of Array.isArray(res) ? res : [res]) {
    const result = r as pg.QueryResult | undefined;
    const indexes = (result?.fields ?? []).flatMap((field, i) => (field.dataTypeID === CHAR_OID ? [i] : []));
    if (!result || indexes.length === 0) continue;
    for (const i of indexes) result.fields[i].dataTypeID = TEXT_OID;
    charColumns.set(result.rows, indexes);
  }
  return res;
}

function withCharColumns(queryRaw: SqlQueryable["queryRaw"]): SqlQueryable["queryRaw"] {
  return async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
}

async function connectPglite(): Promise<{ adapter: SqlDriverAdapter; close: () => Promise<void> }> {
  const { pool, close } = await startPglite();
  try {
    const inner = await new PrismaPg(pool).connect();
    const adapter: SqlDriverAdapter = {
      provider: inner.provider,
      adapterName: inner.adapterName,
      queryRaw: withCharColumns((query) => inner.queryRaw(query)),
      executeRaw: (query) => inner.executeRaw(query),
      startTransaction: async (level) => {
        const tx = await inner.startTransaction(level);
        tx.queryRaw = withCharColumns(tx.queryRaw.bind(tx));
        return tx;
      },
      getConnectionInfo: () => inner.getConnectionInfo(),
      // adapter-pg splits scripts on every ";", breaking string literals, comments and $$ bodies in
      // migrations. One simple-protocol query runs the whole script, as the native engine's batch_execute does.
      executeScript: async (script) => {
        try {
          await pool.query(script);
        } catch (error) {
          throw toDriverAdapterError(error);
        }
      },
      dispose: close,
    };
    return { adapter, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function toDriverAdapterError(error: unknown): unknown {
  const e = error as Partial<pg.DatabaseError>;
  if (typeof e?.code !== "string" || typeof e.message !== "string") return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: e.code,
    severity: e.severity ?? "ERROR",
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}

/**
 * Both the "main" and every shadow database are fresh in-memory PGlites, started only when the engine asks.
 * Serving the shadow database ourselves sidesteps adapter-pg's own connectToShadowDb, which in 7.10.1 lets a
 * connectionString override the shadow database name (so the "shadow" would be the main DB) and drops the
 * database before ending its pool. `close()` stops whatever the engine left open, so the process can exit.
 */
export function pgliteAdapterFactory() {
  const open = new Set<() => Promise<void>>();
  const connect = async () => {
    const { adapter, close } = await connectPglite();
    open.add(close);
    return adapter;
  };
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect,
    connectToShadowDb: connect,
  };
  return {
    bound: bindMigrationAwareSqlAdapterFactory(factory),
    close: async () => {
      await Promise.all([...open].map((close) => close()));
      open.clear();
    },
  };
}
