// The production server as a child process for bench/load.ts: start, health, /metrics samples, warnings, stop.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createScratchDatabase } from "@/tests/support/scratch-database";

export interface ServerProcess {
  url: string;
  secret: string;
  database: "pglite" | "postgres";
  /** Log lines at warn level or above (pino JSON) and anything on stderr, for the report. */
  problems: string[];
  metrics(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const SERVER_ENTRY = "dist/server.mjs";

async function waitForHealth(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was healthy`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not healthy within ${deadlineMs} ms`);
}

/** Parses the Prometheus text format into name -> value for unlabelled series. */
function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** `cpuProfileDir`: the server writes a V8 CPU profile (.cpuprofile) there when it exits, to find slow paths. */
export async function startServer(opts: { port: number; postgres: boolean; cpuProfileDir?: string }): Promise<ServerProcess> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: build the server first (npm run build)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), "vhd-bench-load-"));
  const db = opts.postgres ? await createScratchDatabase("postgresql://postgres@127.0.0.1:5432/postgres", "vhd_bench_load") : undefined;
  const secret = randomBytes(24).toString("hex"); // 48 characters: lets the bench mint agent sessions
  const url = `http://127.0.0.1:${opts.port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    HOST: "127.0.0.1",
    PORT: String(opts.port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    AUTH_SECRET: secret,
    // Keep the embedded services on this bench's ports instead of random ones.
    PGLITE_PORT: String(opts.port + 1),
    EMBEDDED_S3_PORT: String(opts.port + 2),
    ...(db ? { DATABASE_URL: db.url } : {}),
  };
  const profiling = opts.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, ["--enable-source-maps", ...profiling, SERVER_ENTRY], { env, stdio: ["ignore", "pipe", "pipe"] });
  const problems: string[] = [];
  const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
    // The AWS SDK's notice that future versions need Node 22 (one multi-line write): known, not a load problem.
    if (chunk.includes("NodeVersionSupportWarning")) return;
    for (const line of chunk.toString().split("\n")) {
      if (!line.trim()) continue;
      // The seed warns that demo passwords are in use: expected here, not a load problem.
      if (line.includes("seeded accounts use README passwords")) continue;
      if (stream === "stderr" || /"level":(4|5|6)\d/.test(line)) problems.push(line.slice(0, 400));
    }
  };
  child.stdout!.on("data", collect("stdout"));
  child.stderr!.on("data", collect("stderr"));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    }
    await db?.drop().catch((err: unknown) => problems.push(`dropping the scratch database failed: ${String(err)}`));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, child, 60_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${problems.join("\n")}`);
  }
  return {
    url,
    secret,
    database: db ? "postgres" : "pglite",
    problems,
    async metrics() {
      const res = await fetch(`${url}/metrics`);
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
      return parseMetrics(await res.text());
    },
    stop,
  };
}
