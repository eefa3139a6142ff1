// Entry point: one Node process hosting Next.js and Socket.IO on one HTTP server.
// Long-lived state is created here and handed to Next through server/services.ts.
import { createServer, type IncomingMessage } from "node:http";
import next from "next";
import { EnvError, loadEnv, type Env } from "@/lib/config/env";
import { CLIENT_IP_HEADER } from "@/server/platform/auth/next-auth-options";
import { closeServices, createServices, isSecureDeployment } from "@/server/platform/create-platform";
import { createLogger } from "@/server/platform/logger";
import { createHelpDesk } from "@/server/help-desk/create-help-desk";
import { createRecorder, isRecorderPath, recorderDirectory, recordingOptions, recoverRecordings } from "@/server/recordings/co-located-recorder";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import { attachRequestHandlers, createSocketServer } from "@/server/realtime/socket-server";
import { SocketNotifier } from "@/server/realtime/socket-notifier";
import { attachRedisAdapter, type RedisAdapterHandle } from "@/server/realtime/redis-adapter";
import { socketPresenceLink } from "@/server/realtime/presence-link";
import { badRequestUrl } from "@/server/platform/http/request-url";
import { registerServices } from "@/server/service-registry";
import { COMPOSE_RECORDING_QUEUE } from "@/server/recordings/compose/compose-queue";
import { createMetrics, type AppMetrics } from "@/server/platform/metrics/metrics";

const SHUTDOWN_GRACE_MS = 10_000;

function readEnvOrExit(): Env {
  try {
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers["x-forwarded-for"];
  if (trustProxy && typeof forwarded === "string" && forwarded) return forwarded.split(",")[0]!.trim();
  return req.socket.remoteAddress ?? "unknown";
}

async function main(): Promise<void> {
  const env = readEnvOrExit();
  const logger = createLogger(env.LOG_LEVEL);
  const dev = env.NODE_ENV !== "production";

  const services = await createServices(env, logger);
  logger.info({ database: services.db.mode, storage: services.storage.mode }, "services ready");

  const app = next({ dev, dir: process.cwd(), hostname: env.HOST, port: env.PORT });
  let recorder: ReturnType<typeof createRecorder> | undefined;
  let metrics: AppMetrics | undefined;

  const server = createServer((req, res) => {
    // Replace whatever the client sent: the login rate limiter keys on this value.
    req.headers[CLIENT_IP_HEADER] = clientIp(req, env.TRUST_PROXY);
    const badUrl = badRequestUrl(req.url);
    if (badUrl) {
      res.writeHead(400, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify({ ok: false, code: "BAD_REQUEST", message: badUrl }));
      return;
    }
    if (metrics && req.url?.startsWith("/metrics")) {
      metrics.handler(req, res).then(
        async (handled) => {
          if (!handled) await handle(req, res);
        },
        (err: unknown) => {
          logger.error({ err }, "metrics failed");
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
      return;
    }
    if (recorder && isRecorderPath(req.url)) {
      recorder.handle(req, res).then(
        async (handled) => {
          if (!handled) await handle(req, res);
        },
        (err: unknown) => {
          logger.error({ err, url: req.url }, "WHIP request failed");
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
      return;
    }
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
    });
  });
  const io = createSocketServer(server, {
    secret: services.authSecret,
    secureCookies: isSecureDeployment(env),
    visitorTokens: services.visitorTokens,
    logger,
  });
  const redis: RedisAdapterHandle | undefined = env.REDIS_URL ? await attachRedisAdapter(io, env.REDIS_URL, logger) : undefined;
  metrics = createMetrics({
    db: services.db,
    socketCount: () => io.of("/").sockets.size,
    token: env.METRICS_TOKEN,
    queueNames: [COMPOSE_RECORDING_QUEUE],
    ingestDirectory: env.RECORDER_WHIP_URL ? undefined : recorderDirectory(env),
  });
  const notifier = new SocketNotifier(io);
  let backend: RecordingBackend | undefined;
  const desk = createHelpDesk({
    prisma: services.db.prisma,
    notifier,
    graceMs: env.PRESENCE_GRACE_SECONDS * 1000,
    logger,
    recording: {
      ...recordingOptions(env, services, env.PUBLIC_URL ?? `http://localhost:${env.PORT}`, async (id) => recorder?.ingest.closeRecording(id)),
      onChange: (r) => backend?.onChange(r).catch((err: unknown) => logger.error({ err, recordingId: r.id }, "following a recording change failed")),
    },
  });
  // Several nodes: presence is shared through the same adapter.
  if (redis) desk.presence.attach(socketPresenceLink(io));
  attachRequestHandlers(io, { ...desk, visitorTokens: services.visitorTokens }, logger, {
    store: services.rateLimits,
    rateLimits: {
      "ticket:open": { limit: env.RATE_LIMIT_TICKETS, windowMs: env.RATE_LIMIT_TICKETS_WINDOW_SECONDS * 1000 },
      "chat:send": { limit: env.RATE_LIMIT_CHAT, windowMs: env.RATE_LIMIT_CHAT_WINDOW_SECONDS * 1000 },
    },
  });
  // Before the ingest takes sessions: what a dead process left half-written is finalized and marked interrupted.
  if (!env.RECORDER_WHIP_URL) await recoverRecordings(env, desk.recordings, logger);
  recorder = createRecorder(env, services, desk.recordings, logger, (event, data) => metrics?.observeIngest(event, data));
  backend = await startRecordingBackend(env, services, {
    publish: (recording) => notifier.toAgents("recording:updated", { recording }),
    runWorker: env.WORKER_IN_PROCESS,
    logger,
    onJobDone: (seconds, outcome) => metrics?.observeJob(COMPOSE_RECORDING_QUEUE, seconds, outcome),
  });
  registerServices({ ...services, desk, recordings: desk.recordings, library: backend.library });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();
  // Socket.IO answers its own upgrades; everything else (Next's HMR in dev) goes to Next.
  server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/socket.io/")) return;
    upgrade(req, socket, head).catch(() => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  // next-auth builds its redirects (sign-out, callbacks) from NEXTAUTH_URL and otherwise assumes port 3000.
  process.env.NEXTAUTH_URL = publicUrl;
  logger.info({ url: publicUrl, mode: dev ? "development" : "production" }, "listening");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      logger.flush();
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve())); // stop accepting
    await new Promise<void>((resolve) => io.close(() => resolve())); // disconnects sockets
    await redis?.close();
    desk.close();
    metrics?.close();
    await recorder?.close();
    await backend?.close();
    server.closeIdleConnections();
    await closed;
    await app.close?.();
    await closeServices(services);
    registerServices(undefined);
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  // One forgotten promise must not end every call on this node (Node's default): log it, count it, keep serving.
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: reason }, "unhandled promise rejection");
    metrics?.observeUnhandledRejection();
  });
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
