// Prometheus metrics for the app process: live gauges read at scrape time (sockets, queue, calls,
// recordings, pg-boss depth, WHIP sessions), job durations, ingest bytes and Node's process metrics.
// Mount `handler` before Next.js: `if (await metrics.handler(req, res)) return;`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Database } from "@/server/platform/database/database";
import type { SqlExecutor } from "@/server/platform/jobs/job-queue";
import { isLoopbackRequest, mayScrape, type LoopbackCheck } from "@/server/platform/metrics/access";
import { IngestTracker } from "@/server/platform/metrics/ingest-metrics";

export interface MetricsOptions {
  db: Pick<Database, "prisma" | "pool">;
  /** Connected Socket.IO sockets, e.g. `() => io.of("/").sockets.size`. */
  socketCount?: () => number;
  /** When set, non-loopback clients may scrape with `Authorization: Bearer <token>`. */
  token?: string;
  /** Defaults to the socket's remote address being loopback (and no proxy headers). */
  isLoopback?: LoopbackCheck;
  /** pg-boss's SQL path and schema (a JobQueue fits); defaults to `db.pool` and "pgboss". */
  jobQueue?: { executor: SqlExecutor; schema: string };
  /** Queues always reported, 0 when empty (others appear once they hold a job). */
  queueNames?: string[];
  /** The recorder's directory, for ingest bytes from file growth; without it no bytes are counted. */
  ingestDirectory?: string;
  /** Database reads of one scrape give up after this long (a scrape must not hang on a dead database). */
  queryTimeoutMs?: number;
  /** Recordings this process composites live: how far each trails capture, and the time spent rendering it. */
  liveStats?: () => { recordingId: string; lagSeconds: number; renderSeconds: number }[];
  /** Node process metrics (`vhd_process_*`, `vhd_nodejs_*`); default true. */
  defaultMetrics?: boolean;
}

export type JobOutcome = "completed" | "failed" | "expired" | "cancelled";

export interface AppMetrics {
  registry: Registry;
  /** Serves GET /metrics; returns false for any other path. */
  handler(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Pass as (or call from) the recorder ingest's `log` option. */
  observeIngest(event: string, data: Record<string, unknown>): void;
  observeJob(queue: string, seconds: number, outcome: JobOutcome | string): void;
  /** A promise rejection nobody handled (logged, the process keeps serving). */
  observeUnhandledRejection(): void;
  close(): void;
}

interface Snapshot {
  waitingTickets?: number;
  liveCalls?: number;
  activeRecordings?: number;
  queueDepth?: Map<string, number>;
  ingestGrowth?: { audio: number; video: number };
  errors: string[];
}

const ACTIVE_RECORDING_STATUSES = ["armed", "recording", "paused"] as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function createMetrics(opts: MetricsOptions): AppMetrics {
  const registry = new Registry();
  const timeoutMs = opts.queryTimeoutMs ?? 3000;
  const isLoopback = opts.isLoopback ?? isLoopbackRequest;
  const ingest = new IngestTracker(opts.ingestDirectory);
  const jobSql: SqlExecutor = opts.jobQueue?.executor ?? { executeSql: (text, values) => opts.db.pool.query(text, values as unknown[]) };
  const jobSchema = opts.jobQueue?.schema ?? "pgboss";
  if (!/^[a-z_][a-z0-9_]*$/i.test(jobSchema)) throw new Error(`unsafe pg-boss schema name: ${jobSchema}`);

  async function queueDepth(): Promise<Map<string, number>> {
    const depth = new Map<string, number>((opts.queueNames ?? []).map((q) => [q, 0]));
    // Before pg-boss's first start the schema does not exist: every queue is empty, not an error.
    const present = await jobSql.executeSql("SELECT to_regclass($1) IS NOT NULL AS present", [`${jobSchema}.job`]);
    if (!present.rows[0]?.present) return depth;
    const { rows } = await jobSql.executeSql(
      `SELECT name, count(*)::int AS n FROM ${jobSchema}.job WHERE state IN ('created', 'retry') GROUP BY name`,
    );
    for (const r of rows) depth.set(String(r.name), Number(r.n));
    return depth;
  }

  // One set of reads per scrape, shared by every collect() (prom-client calls them all in the same tick).
  let inflight: Promise<Snapshot> | undefined;
  function snapshot(): Promise<Snapshot> {
    inflight ??= takeSnapshot().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }
  async function takeSnapshot(): Promise<Snapshot> {
    const { prisma } = opts.db;
    const reads: Record<keyof Omit<Snapshot, "errors">, () => Promise<unknown>> = {
      waitingTickets: () => prisma.ticket.count({ where: { status: "waiting" } }),
      liveCalls: () => prisma.meetingPoint.count({ where: { state: "live" } }),
      activeRecordings: () => prisma.recording.count({ where: { status: { in: [...ACTIVE_RECORDING_STATUSES] } } }),
      queueDepth,
      ingestGrowth: () => ingest.collectGrowth(),
    };
    const keys = Object.keys(reads) as (keyof typeof reads)[];
    const results = await Promise.allSettled(
      keys.map((k) =>
        withTimeout(
          Promise.resolve().then(() => reads[k]()),
          timeoutMs,
          k,
        ),
      ),
    );
    const snap: Snapshot = { errors: [] };
    results.forEach((r, i) => {
      if (r.status === "fulfilled") (snap as unknown as Record<string, unknown>)[keys[i]] = r.value;
      else snap.errors.push(keys[i]);
    });
    return snap;
  }

  new Counter({
    name: "vhd_scrape_errors_total",
    help: "Metric reads that failed during a scrape (e.g. database down), by source",
    labelNames: ["source"],
    registers: [registry],
    async collect() {
      for (const source of (await snapshot()).errors) this.inc({ source });
    },
  });
  // A gauge that is absent from a scrape whose read failed (so dashboards show a gap, not a false 0).
  function dbGauge(name: string, help: string, pick: (s: Snapshot) => number | undefined) {
    return new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const v = pick(await snapshot());
        if (v !== undefined) return void this.set(v);
        // reset() would leave an unlabelled gauge at 0; drop the sample entirely instead.
        (this as unknown as { hashMap: object }).hashMap = {};
      },
    });
  }
  dbGauge("vhd_waiting_tickets", "Tickets waiting in the queue", (s) => s.waitingTickets);
  dbGauge("vhd_live_calls", "Meeting points in the live state", (s) => s.liveCalls);
  dbGauge("vhd_active_recordings", "Recordings armed, recording or paused", (s) => s.activeRecordings);
  new Gauge({
    name: "vhd_job_queue_depth",
    help: "pg-boss jobs waiting to run (state created or retry), by queue",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      const depth = (await snapshot()).queueDepth;
      this.reset();
      for (const [queue, n] of depth ?? []) this.set({ queue }, n);
    },
  });
  new Gauge({
    name: "vhd_live_window_lag_seconds",
    help: "Captured time of a running recording not yet in a stored live window, by recording (bounded when compositing keeps up)",
    labelNames: ["recording"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of opts.liveStats?.() ?? []) this.set({ recording: s.recordingId }, s.lagSeconds);
    },
  });
  new Gauge({
    name: "vhd_live_render_seconds",
    help: "Wall time spent compositing a running recording's live windows so far, by recording",
    labelNames: ["recording"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of opts.liveStats?.() ?? []) this.set({ recording: s.recordingId }, s.renderSeconds);
    },
  });
  new Gauge({
    name: "vhd_connected_sockets",
    help: "Socket.IO sockets connected to this process",
    registers: [registry],
    collect() {
      if (opts.socketCount) this.set(opts.socketCount());
    },
  });
  new Gauge({
    name: "vhd_ingest_sessions",
    help: "WHIP publisher sessions open on this process's recorder",
    registers: [registry],
    collect() {
      this.set(ingest.openCount());
    },
  });
  new Counter({
    name: "vhd_ingest_bytes_total",
    help: "Bytes of media the recorder wrote for open WHIP sessions (file growth, measured at scrape time), by kind",
    labelNames: ["kind"],
    registers: [registry],
    async collect() {
      const growth = (await snapshot()).ingestGrowth;
      for (const kind of ["audio", "video"] as const) this.inc({ kind }, growth?.[kind] ?? 0);
    },
  });
  const jobDuration = new Histogram({
    name: "vhd_job_duration_seconds",
    help: "Background job run time, by queue and outcome",
    labelNames: ["queue", "outcome"],
    registers: [registry],
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  });
  const sessionEvents = new Counter({
    name: "vhd_ingest_session_events_total",
    help: "WHIP session starts and ends (by reason)",
    labelNames: ["event", "reason"],
    registers: [registry],
  });
  const unhandled = new Counter({
    name: "vhd_unhandled_rejections_total",
    help: "Promise rejections no code handled (each is a bug; the process kept serving)",
    registers: [registry],
  });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "vhd_" });

  return {
    registry,
    async handler(req, res) {
      const pathname = (req.url ?? "").split("?")[0];
      if (pathname !== "/metrics") return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return true;
      }
      if (!mayScrape(req, { token: opts.token, isLoopback })) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8" }).end("forbidden\n");
        return true;
      }
      try {
        const body = await registry.metrics();
        res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        res.end(req.method === "HEAD" ? undefined : body);
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`metrics failed: ${(err as Error).message}\n`);
      }
      return true;
    },
    observeIngest(event, data) {
      ingest.observe(event, data);
      if (event === "negotiated") sessionEvents.inc({ event: "start", reason: "" });
      else if (event === "close") sessionEvents.inc({ event: "end", reason: String(data.reason ?? "") });
    },
    observeJob(queue, seconds, outcome) {
      jobDuration.observe({ queue, outcome }, seconds);
    },
    observeUnhandledRejection() {
      unhandled.inc();
    },
    close() {
      registry.clear();
    },
  };
}
