// pg-boss on the app's database (schema "pgboss"). With PGlite it MUST run on the app's one pooled
// connection: PGlite is only correct with a single connection in total, so a second pool (pg-boss's own)
// would corrupt results. On PostgreSQL pg-boss gets its own small pool when given a connection string, so
// its polling and maintenance never queue behind Prisma's requests (and vice versa).
// pg-boss 10 never uses LISTEN/NOTIFY (workers poll), which is why it works on PGlite at all.
import PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";

/** What pg-boss 10 calls through when given its `db` option (see node_modules/pg-boss/src/db.js). */
export interface SqlExecutor {
  // biome-ignore lint/suspicious/noExplicitAny: pg-boss types its rows as any[]
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

/** Anything with pg's `query`: a pg.Pool, a pg.Client. */
export interface Queryable {
  // biome-ignore lint/suspicious/noExplicitAny: pg types query rows as any[]
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount?: number | null }>;
}

/** Runs pg-boss's SQL on an existing pool; each call is one query, so pg-boss's multi-statement
 *  BEGIN ... COMMIT plans still run on a single checked-out connection. */
export function poolExecutor(pool: Queryable): SqlExecutor {
  return { executeSql: (text, values) => pool.query(text, values) };
}

export interface JobQueueOptions {
  /** The app's pool (server/platform/database/database.ts). With PGlite this is THE one connection and pg-boss uses it. */
  pool: pg.Pool;
  mode: "pglite" | "postgres";
  /** PostgreSQL only: pg-boss opens its own pool on this URL. Without it pg-boss shares `pool`. */
  connectionString?: string;
  /** Size of pg-boss's own pool (PostgreSQL with connectionString). */
  poolMax?: number;
  schema?: string;
  logger: Logger;
  /** How often an idle worker polls for jobs. pg-boss's minimum is 0.5 s. */
  pollingIntervalSeconds?: number;
  /** How often expired active jobs are failed (and retried). A crashed worker's job waits for
   *  expireInSeconds plus up to this long before another worker picks it up. */
  maintenanceIntervalSeconds?: number;
  /** Replaces the SQL path entirely (tests use it to simulate a process that died mid-job). */
  executor?: SqlExecutor;
}

export interface JobQueue {
  boss: PgBoss;
  schema: string;
  /** Same SQL path pg-boss uses; for small reads on pg-boss's tables (job state lookups). */
  executor: SqlExecutor;
  logger: Logger;
  pollingIntervalSeconds: number;
  start(): Promise<void>;
  /** graceful: wait up to timeoutMs for running handlers; jobs still running are then failed (retried). */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
}

export function createJobQueue(opts: JobQueueOptions): JobQueue {
  const schema = opts.schema ?? "pgboss";
  const pollingIntervalSeconds = opts.pollingIntervalSeconds ?? 2;
  const common = {
    schema,
    // Cron scheduling is unused; its clock-skew monitor would only add queries on the one connection.
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
  };
  let executor: SqlExecutor;
  let boss: PgBoss;
  if (opts.executor) {
    executor = opts.executor;
    boss = new PgBoss({ ...common, db: executor as PgBoss.Db });
  } else if (opts.mode === "postgres" && opts.connectionString) {
    boss = new PgBoss({ ...common, connectionString: opts.connectionString, max: opts.poolMax ?? 4, application_name: "vhd-jobs" });
    // pg-boss opens its pool in start(); getDb() returns the wrapper whose executeSql uses it.
    const db = boss.getDb();
    executor = { executeSql: (text, values) => db.executeSql(text, values as unknown[]) };
  } else {
    executor = poolExecutor(opts.pool);
    boss = new PgBoss({ ...common, db: executor as PgBoss.Db });
  }
  // An unhandled 'error' event would crash the process; pg-boss reports transient poll/maintenance
  // failures this way and keeps going.
  boss.on("error", (error) => opts.logger.warn({ err: error }, "job queue error"));

  let started = false;
  return {
    boss,
    schema,
    executor,
    logger: opts.logger,
    pollingIntervalSeconds,
    async start() {
      if (started) return;
      await boss.start();
      started = true;
    },
    async stop({ graceful = true, timeoutMs = 30_000 } = {}) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful, timeout: timeoutMs, wait: true });
    },
  };
}

// PostgreSQL errors two processes can hit when they create the same queue or table at the same moment
// (deadlock, a catalog unique violation, "already exists"): the other one succeeded, so trying again settles it.
const STARTUP_RACE_CODES = new Set(["40P01", "23505", "42P06", "42P07"]);

/** Runs start-up DDL (queue or table creation), retrying the races of several processes starting together. */
export async function settleStartupRace<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !STARTUP_RACE_CODES.has((err as { code?: string }).code ?? "")) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}
