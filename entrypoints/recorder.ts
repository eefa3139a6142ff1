/**
 * The recorder as its own process: `npm run recorder` (tsx recorder/main.ts). Settings come from the
 * environment (recorder/config.ts). On start it first repairs whatever a crash of the previous
 * process left unfinished, then serves WHIP ingest and the control API on one HTTP server.
 * Logs are JSON lines on stdout.
 */
import http from "node:http";
import { ConfigError, loadRecorderConfig, type RecorderConfig } from "@/recorder/config";
import { createRecorderControl } from "@/recorder/control";
import { createRecorderIngest } from "@/recorder/ingest";
import { recoverUnfinishedSessions } from "@/recorder/recovery";

function log(event: string, data: Record<string, unknown> = {}) {
  process.stdout.write(JSON.stringify({ t: new Date().toISOString(), event, ...data }) + "\n");
}

function readConfig(): RecorderConfig {
  try {
    return loadRecorderConfig(process.env);
  } catch (err) {
    // One line naming the variable; nothing else, so a supervisor's log shows the cause at once.
    process.stderr.write(`recorder: invalid configuration: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

/** Set once the ingest exists; a signal before that just exits (nothing is recording yet). */
let shutdown: (signal: string) => Promise<void> = async (signal) => {
  log("stopped", { signal });
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

async function main() {
  const config = readConfig();
  log("starting", {
    pid: process.pid, directory: config.directory, host: config.host, port: config.port,
    icePortRange: config.icePortRange, loopback: config.loopback, publicIp: config.publicIp ?? null,
  });

  // Before listening: a live session also lacks endedAtMs, so recovery must finish before any can start.
  const recovered = await recoverUnfinishedSessions(config.directory, { log });
  log("recovery-done", {
    recordings: recovered.map((r) => ({ recordingId: r.recordingId, sessions: r.sessions.map((s) => s.sessionId) })),
  });

  const control = createRecorderControl({ secret: config.secret, directory: config.directory, log });
  const ingest = createRecorderIngest({
    tokenSecret: config.secret,
    directory: config.directory,
    icePortRange: config.icePortRange,
    loopback: config.loopback,
    iceAdditionalHostAddresses: config.publicIp ? [config.publicIp] : undefined,
    allowedOrigins: config.allowedOrigins,
    admit: control.admit,
    log,
  });
  control.attachIngest(ingest);

  const server = http.createServer(async (req, res) => {
    try {
      if (await ingest(req, res)) return;
      if (await control(req, res)) return;
      res.writeHead(404, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: "not-found" }));
    } catch (err) {
      log("request-error", { url: req.url, error: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.on("error", (err) => {
    log("server-error", { error: String(err) });
    process.exit(1);
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  log("listening", { host: config.host, port: typeof address === "object" && address ? address.port : config.port });

  let stopping = false;
  shutdown = async (signal: string) => {
    if (stopping) {
      log("shutdown-forced", { signal });
      process.exit(1);
    }
    stopping = true;
    log("shutdown", { signal, sessions: ingest.sessionCount });
    server.close();
    // Every session's files are finished (Segment size, Duration, session.json) before we exit.
    const force = setTimeout(() => {
      log("shutdown-timeout", {});
      process.exit(1);
    }, 15_000);
    force.unref();
    await ingest.closeAll("shutdown");
    server.closeAllConnections();
    log("stopped", {});
    process.exit(0);
  };
}

main().catch((err: unknown) => {
  log("fatal", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
