/**
 * The recorder as its own process: `npm run recorder`. Settings come from the environment (lib/config/env.ts);
 * start-up is recorder/start-recorder.ts, the same as the web process's co-located recorder. Logs are JSON
 * lines on stdout.
 */
import { loadRecorderEnv, RecorderEnvError, type RecorderEnv } from "@/lib/config/env";
import { serveRecorder, startRecorder, type ServedRecorder } from "@/recorder/start-recorder";

const SHUTDOWN_GRACE_MS = 15_000;

function log(event: string, data: Record<string, unknown> = {}) {
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), event, ...data })}\n`);
}

function readRecorderEnvOrExit(): RecorderEnv {
  try {
    return loadRecorderEnv();
  } catch (err) {
    // One line naming the variable; nothing else, so a supervisor's log shows the cause at once.
    process.stderr.write(`recorder: invalid configuration: ${err instanceof RecorderEnvError ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

let served: ServedRecorder | null = null;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    log("shutdown-forced", { signal });
    process.exit(1);
  }
  stopping = true;
  // Before the server listens nothing is recording yet: just exit.
  if (!served) {
    log("stopped", { signal });
    process.exit(0);
  }
  log("shutdown", { signal, sessions: served.sessionCount });
  const force = setTimeout(() => {
    log("shutdown-timeout", {});
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  // Every session's files are finished (Segment size, Duration, session.json) before we exit.
  await served.close();
  log("stopped", {});
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

async function main() {
  const config = readRecorderEnvOrExit();
  log("starting", {
    pid: process.pid,
    directory: config.directory,
    host: config.host,
    port: config.port,
    icePortRange: config.icePortRange,
    loopback: config.loopback,
    publicIp: config.publicIp ?? null,
  });
  const recorder = await startRecorder(config, {
    log,
    recovered: async (list) =>
      log("recovery-done", { recordings: list.map((r) => ({ recordingId: r.recordingId, sessions: r.sessions.map((s) => s.sessionId) })) }),
  });
  served = await serveRecorder(recorder, { host: config.host, port: config.port }, log);
  log("listening", { host: config.host, port: served.port });
}

main().catch((err: unknown) => {
  log("fatal", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
