// Test helper: runs the standalone recorder (entrypoints/recorder.ts) as a real child process.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");

export interface RecorderProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Every JSON log line so far. */
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node --import tsx entrypoints/recorder.ts` (what `npx tsx entrypoints/recorder.ts` does, minus the npx
 * wrapper process, so that the pid we SIGKILL is the recorder itself). Resolves once it listens.
 */
export function startRecorder(env: Record<string, string>, timeoutMs = 20_000): Promise<RecorderProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "entrypoints/recorder.ts"], {
    cwd: ROOT,
    env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`recorder did not listen within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    let pending = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on("data", (d: Buffer) => {
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          lines.push(line);
          if (line.event === "listening") {
            clearTimeout(timer);
            const port = Number(line.port);
            resolve({ child, port, baseUrl: `http://127.0.0.1:${port}`, lines, exited });
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`recorder exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

/** Runs the recorder with a (bad) environment to completion and returns what it said. */
export function runRecorderToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "entrypoints/recorder.ts"], {
    cwd: ROOT,
    env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
