// One production app node (`node dist/server.mjs`) as a child process: its own port, data folder and log file.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";

export interface AppNode {
  name: string;
  port: number;
  /** Direct address of the node, bypassing the front doors. */
  url: string;
  dataDir: string;
  logFile: string;
  process: ChildProcess;
  /** Set once the process has exited, with its exit code or signal. */
  exited: string | null;
  log(): string;
  /** The log's last lines, for a failure report. */
  tail(lines?: number): string;
  /** JSON log records whose message or event matches. */
  records(match: RegExp): Record<string, unknown>[];
}

export const SERVER_ENTRY = path.resolve("dist/server.mjs");

export function startAppNode(name: string, port: number, workDir: string, env: Record<string, string>): AppNode {
  const dataDir = path.join(workDir, name);
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(workDir, `${name}.log`);
  const fd = openSync(logFile, "a");
  // Its own process group, so that a kill also takes the ffmpeg children a compositing job may have started.
  const child = spawn(process.execPath, ["--enable-source-maps", SERVER_ENTRY], {
    cwd: process.cwd(),
    env: { ...inheritedEnv(), ...env, NODE_ENV: "production", PORT: String(port), DATA_DIR: dataDir },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  killOnExit(child, true);
  const node: AppNode = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    logFile,
    process: child,
    exited: null,
    log: () => readFileSync(logFile, "utf8"),
    tail: (lines = 40) =>
      node
        .log()
        .split("\n")
        .filter((line) => !NOISE.test(line))
        .slice(-lines - 1)
        .join("\n"),
    records: (match) =>
      node
        .log()
        .split("\n")
        .flatMap((line) => {
          try {
            return line.startsWith("{") ? [JSON.parse(line) as Record<string, unknown>] : [];
          } catch {
            return []; // a line still being written
          }
        })
        .filter((r) => match.test(String(r.msg ?? "")) || match.test(String(r.event ?? ""))),
  };
  child.on("exit", (code, signal) => {
    node.exited = signal ?? `exit ${code}`;
  });
  return node;
}

// The AWS SDK's multi-line warning about Node 20, printed by every node at start-up.
const NOISE =
  /^(\(node:\d+\) Warning: NodeVersionSupportWarning|versions published after|will require node|To continue receiving|and security updates|More information can be found|\(Use `node --trace-warnings|\s*$)/;

/**
 * A child outliving this process (a worker killed mid-test) would hold the test's ports for the next run:
 * kill it, or its process group, when this process exits however it exits.
 */
export function killOnExit(child: ChildProcess, group = false): void {
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(group ? -child.pid : child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.on("exit", kill);
  child.once("exit", () => process.off("exit", kill));
}

/** The environment minus anything that would point a node at another deployment's services. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(DATABASE_|S3_|REDIS_|RECORDER_|PUBLIC_URL|AUTH_SECRET|EMBEDDED_S3|PGLITE|NEXTAUTH_|E2E_|PORT$|HOST$|DATA_DIR$)/.test(key))
      continue;
    env[key] = value;
  }
  return env;
}

/** Resolves once GET /api/health answers 200; rejects when the process exits first or the deadline passes. */
export async function waitHealthy(node: AppNode, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exited) throw new Error(`node ${node.name} exited (${node.exited}) while starting:\n${node.tail()}`);
    try {
      const res = await fetch(`${node.url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`node ${node.name} not healthy within ${timeoutMs} ms:\n${node.tail()}`);
}

/** SIGKILL to the node's process group; resolves once the node process has exited. */
export async function killNode(node: AppNode, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (node.exited || node.process.pid === undefined) return;
  const exited = new Promise<void>((resolve) => node.process.once("exit", () => resolve()));
  try {
    process.kill(-node.process.pid, signal);
  } catch {
    return; // already gone
  }
  await exited;
}
