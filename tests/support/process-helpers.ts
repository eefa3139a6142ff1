// Child processes for fault tests: each runs in its own process group so that a SIGKILL takes the whole
// tree down at once (node, tsx's inner node, ffmpeg), like a machine or container dying. Output is kept
// line by line so a test can wait for a log line instead of sleeping.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildHandle {
  name: string;
  pid: number;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** Resolves with the first line (past or future) that matches; rejects when the process exits first or on timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>;
  /** Signals the whole process group. */
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildHandle {
  const child: ChildProcess = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      alive = false;
      resolve({ code, signal });
    }),
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      for (const l of listeners) l(line);
    });
  }
  const kill = (signal: NodeJS.Signals) => {
    if (!alive || !child.pid) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  return {
    name,
    pid: child.pid!,
    lines,
    exited,
    get alive() {
      return alive;
    },
    waitForLine(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(listener);
          fn();
        };
        const listener = (line: string) => {
          if (match(line)) done(() => resolve(line));
        };
        const timer = setTimeout(
          () =>
            done(() => reject(new Error(`${name}: no matching line within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join("\n")}`))),
          timeoutMs,
        );
        listeners.add(listener);
        void exited.then(({ code, signal }) =>
          done(() => reject(new Error(`${name} exited (${code ?? signal}) before the line; last lines:\n${lines.slice(-15).join("\n")}`))),
        );
      });
    },
    kill,
    async stop(graceMs = 5000) {
      if (!alive) return;
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Parses a pino JSON log line; undefined for anything else. */
export function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
