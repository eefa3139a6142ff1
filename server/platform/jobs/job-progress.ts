// Progress of background work per recording, in a small table the UI/API can read with one query.
// pg-boss 10 has no progress API, and a job's row changes id when it is retried, so progress is keyed by
// recording id instead. The table lives in pg-boss's schema, outside Prisma's: Prisma Migrate would
// otherwise see an unknown table in "public" as drift. Plain SQL on the app's pool (PGlite: the one connection).
import { settleStartupRace, type Queryable } from "@/server/platform/jobs/job-queue";

export interface JobProgress {
  recordingId: string;
  /** 0..100 */
  percent: number;
  /** Free text from the handler ("compositing", "uploading"...). */
  stage: string | null;
  updatedAt: Date;
}

export interface JobProgressStore {
  /** The table's qualified name (the stale-job reaper joins on it). */
  table: string;
  /** Creates the table if missing; call once at startup (after the job queue started, which creates the schema). */
  init(): Promise<void>;
  set(recordingId: string, percent: number, stage?: string | null): Promise<void>;
  get(recordingId: string): Promise<JobProgress | null>;
  clear(recordingId: string): Promise<void>;
  /** Heartbeat of a running job: moves updated_at without changing the progress. */
  touch(recordingId: string): Promise<void>;
}

export function createJobProgressStore(db: Queryable, schema = "pgboss"): JobProgressStore {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const table = `${schema}.vhd_job_progress`;
  return {
    table,
    async init() {
      // Two processes starting at once both pass IF NOT EXISTS, and one may then fail on the catalog.
      await settleStartupRace(async () => {
        await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await db.query(
          `CREATE TABLE IF NOT EXISTS ${table} (
             recording_id text PRIMARY KEY,
             percent real NOT NULL,
             stage text,
             updated_at timestamptz NOT NULL DEFAULT now()
           )`,
        );
      });
    },
    async set(recordingId, percent, stage = null) {
      // Clamped and rounded: handlers compute percentages from ffmpeg's time= output, which overshoots.
      const value = Math.round(Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0)) * 10) / 10;
      await db.query(
        `INSERT INTO ${table} (recording_id, percent, stage, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (recording_id) DO UPDATE SET percent = EXCLUDED.percent, stage = EXCLUDED.stage, updated_at = now()`,
        [recordingId, value, stage],
      );
    },
    async get(recordingId) {
      const { rows } = await db.query(`SELECT percent, stage, updated_at FROM ${table} WHERE recording_id = $1`, [recordingId]);
      const row = rows[0];
      return row ? { recordingId, percent: Number(row.percent), stage: row.stage, updatedAt: new Date(row.updated_at) } : null;
    },
    async touch(recordingId) {
      await db.query(`UPDATE ${table} SET updated_at = now() WHERE recording_id = $1`, [recordingId]);
    },
    async clear(recordingId) {
      await db.query(`DELETE FROM ${table} WHERE recording_id = $1`, [recordingId]);
    },
  };
}
