import { spawn } from "node:child_process";
import { getPriority, setPriority } from "node:os";
import type { FailureKind } from "@/lib/errors/catalog";

/**
 * Runs ffmpeg: `-progress pipe:1 -nostats` prepended so progress comes as key=value lines on stdout (turned into a
 * percentage of a known duration), stderr kept as the last N lines for the job's log, a hard timeout (SIGKILL,
 * because a wedged ffmpeg ignores SIGTERM's polite "finish the file"), and one typed error per way of failing.
 */

export type FfmpegErrorCode = "ffmpeg-not-found" | "ffmpeg-timeout" | "ffmpeg-failed" | "ffmpeg-killed";

export class FfmpegError extends Error {
  readonly kind: FailureKind;
  constructor(
    readonly code: FfmpegErrorCode,
    message: string,
    readonly details: { exitCode?: number | null; signal?: string | null; stderrTail: string[] },
  ) {
    super(message);
    this.name = "FfmpegError";
    this.kind = code === "ffmpeg-not-found" ? "compositing.tool-missing" : "compositing.tool-failed";
  }
}

export interface FfmpegProgress {
  /** 0..100, from out_time against durationMs; undefined without a known duration. */
  percent?: number;
  outTimeMs: number;
  /** Encoding speed as a multiple of real time, as ffmpeg reports it. */
  speed?: number;
  frame?: number;
  done: boolean;
}

export interface RunFfmpegOptions {
  /** Default "ffmpeg" from PATH (the app passes FFMPEG_PATH). */
  binary?: string;
  /** Expected output duration, for the percentage. */
  durationMs?: number;
  onProgress?: (p: FfmpegProgress) => void;
  timeoutMs?: number;
  /** Aborting kills ffmpeg and rejects with ffmpeg-killed. */
  signal?: AbortSignal;
  stderrLines?: number;
  onStderrLine?: (line: string) => void;
  /**
   * How much lower than this process ffmpeg runs (default 10): compositing takes the CPU that is left, so media
   * ingest and signalling in this process never wait for it on a small machine.
   */
  niceness?: number;
}

export interface FfmpegResult {
  durationMs: number;
  stderrTail: string[];
}

export function runFfmpeg(args: string[], opts: RunFfmpegOptions = {}): Promise<FfmpegResult> {
  const binary = opts.binary ?? "ffmpeg";
  const keep = opts.stderrLines ?? 40;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let why: "timeout" | "abort" | undefined;
    let settled = false;
    const child = spawn(binary, ["-progress", "pipe:1", "-nostats", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    lowerPriority(child.pid, opts.niceness ?? 10);
    const finish = (err?: FfmpegError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve({ durationMs: Date.now() - started, stderrTail: [...tail] });
    };
    const kill = (reason: "timeout" | "abort") => {
      why ??= reason;
      child.kill("SIGKILL");
    };
    const onAbort = () => kill("abort");
    const timer = opts.timeoutMs ? setTimeout(() => kill("timeout"), opts.timeoutMs) : undefined;
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    lines(child.stderr, (line) => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      opts.onStderrLine?.(line);
    });
    const progress = new ProgressParser(opts.durationMs);
    lines(child.stdout, (line) => {
      const p = progress.push(line);
      if (p) opts.onProgress?.(p);
    });

    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") finish(new FfmpegError("ffmpeg-not-found", `ffmpeg not found (${binary})`, { stderrTail: [] }));
      else finish(new FfmpegError("ffmpeg-failed", `could not run ffmpeg: ${e.message}`, { stderrTail: [...tail] }));
    });
    child.on("close", (exitCode, signal) => {
      const details = { exitCode, signal, stderrTail: [...tail] };
      if (why === "timeout") finish(new FfmpegError("ffmpeg-timeout", `ffmpeg timed out after ${opts.timeoutMs} ms`, details));
      else if (why === "abort" || (exitCode === null && signal))
        finish(new FfmpegError("ffmpeg-killed", `ffmpeg killed (${signal})`, details));
      else if (exitCode !== 0) finish(new FfmpegError("ffmpeg-failed", `ffmpeg exited with ${exitCode}: ${tail.at(-1) ?? ""}`, details));
      else finish();
    });
  });
}

function lowerPriority(pid: number | undefined, niceness: number): void {
  if (!pid || niceness <= 0) return;
  try {
    setPriority(pid, Math.min(19, getPriority() + niceness));
  } catch {
    // Already gone (it failed to start: the error comes through 'error'), or not permitted: it runs as it is.
  }
}

/** ffmpeg's -progress output: blocks of key=value lines, each ending with progress=continue|end. */
export class ProgressParser {
  private block: Record<string, string> = {};

  constructor(private readonly durationMs?: number) {}

  push(line: string): FfmpegProgress | undefined {
    const eq = line.indexOf("=");
    if (eq < 0) return undefined;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    this.block[key] = value;
    if (key !== "progress") return undefined;
    const b = this.block;
    this.block = {};
    // out_time_us and (despite its name) out_time_ms are both microseconds; "N/A" before the first frame.
    const us = Number(b.out_time_us ?? b.out_time_ms);
    const outTimeMs = Number.isFinite(us) && us > 0 ? us / 1000 : 0;
    const done = value === "end";
    const speed = Number.parseFloat(b.speed ?? "");
    const frame = Number(b.frame);
    return {
      outTimeMs,
      done,
      percent: this.durationMs ? (done ? 100 : Math.min(99.9, (100 * outTimeMs) / this.durationMs)) : undefined,
      ...(Number.isFinite(speed) ? { speed } : {}),
      ...(Number.isFinite(frame) ? { frame } : {}),
    };
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void) {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n|\r/);
    rest = parts.pop() ?? "";
    for (const p of parts) if (p) onLine(p);
  });
  stream.on("end", () => {
    if (rest) onLine(rest);
  });
}
