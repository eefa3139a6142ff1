// The one place where the long-lived services of a process are built, in dependency order, and closed in
// reverse. Collaborators are passed in when a service is built; the two cycles (presence ↔ help desk,
// recording control ↔ co-located ingest) go through event hubs created before both sides.
import { createServer } from "node:http";
import next from "next";
import type { Env } from "@/lib/config/env";
import { EventHub } from "@/server/platform/event-hub";
import { demoPasswordRefusal, ListenRefused } from "@/lib/security/listen-policy";
import { closeServices, createServices, isSecureDeployment } from "@/server/platform/create-platform";
import { accountsWithDemoPasswords } from "@/server/platform/database/seed";
import type { Logger } from "@/server/platform/logger";
import { createMetrics } from "@/server/platform/metrics/metrics";
import { buildOwned, type RunningProcess } from "@/server/composition-root-lifecycle";
import { createRealtimeDesk } from "@/server/composition-root-realtime";
import { appRequestHandler, listen } from "@/server/composition-root-http";
import { COMPOSE_RECORDING_QUEUE } from "@/server/recordings/compose/compose-queue";
import {
  recorderDirectory,
  recordingOptions,
  startCoLocatedRecorder,
  type LocalRecorderEvents,
} from "@/server/recordings/co-located-recorder";
import { startRecordingBackend } from "@/server/recordings/recording-backend";
import { attachRedisAdapter } from "@/server/realtime/redis-adapter";
import { SocketNotifier } from "@/server/realtime/socket-notifier";
import { createSocketServer } from "@/server/realtime/socket-server";
import { registerServices } from "@/server/service-registry";

export interface WebProcess extends RunningProcess {
  /** Listens; resolves with the URL it is reachable at. */
  start(): Promise<string>;
}

/** The web process: Next.js, Socket.IO, the help desk, the co-located recorder and (by default) the worker. */
export function buildWebProcess(env: Env, logger: Logger): Promise<WebProcess> {
  return buildOwned(logger, async (owned) => {
    const platform = owned.own("platform", await createServices(env, logger), closeServices);
    const refusal = demoPasswordRefusal({
      production: env.NODE_ENV === "production",
      host: env.HOST,
      demoAccounts: await accountsWithDemoPasswords(platform.db.prisma),
    });
    if (refusal) throw new ListenRefused(refusal);
    logger.info({ database: platform.db.mode, storage: platform.storage.mode }, "services ready");
    const dev = env.NODE_ENV !== "production";
    const app = owned.own("next", next({ dev, dir: process.cwd(), hostname: env.HOST, port: env.PORT }), (a) => a.close?.());
    // Requests are handled once everything below exists (the handler is attached just before listening).
    const server = owned.own("http server", createServer(), async (s) => {
      // The front door already stopped accepting; this waits for the requests still running.
      s.closeIdleConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    });
    const io = createSocketServer(server, {
      secret: platform.authSecret,
      secureCookies: isSecureDeployment(env),
      visitorTokens: platform.visitorTokens,
      sessions: platform.sessions,
      logger,
      publicUrl: env.PUBLIC_URL,
      trustProxy: env.TRUST_PROXY,
      visitorConnectionsPerIp: env.MAX_VISITOR_CONNECTIONS_PER_IP,
    });
    const redis = env.REDIS_URL ? await attachRedisAdapter(io, env.REDIS_URL, logger) : undefined;
    const metrics = owned.own(
      "metrics",
      createMetrics({
        db: platform.db,
        socketCount: () => io.of("/").sockets.size,
        token: env.METRICS_TOKEN,
        queueNames: [COMPOSE_RECORDING_QUEUE],
        ingestDirectory: env.RECORDER_WHIP_URL ? undefined : recorderDirectory(env),
        // Read at scrape time, by when the backend below exists.
        liveStats: () => backend.live?.stats() ?? [],
      }),
      (m) => m.close(),
    );
    const notifier = new SocketNotifier(io);
    const backend = owned.own(
      "recording backend",
      await startRecordingBackend(env, platform, {
        publish: (recording, audience) => notifier.toSupervisorsAnd(audience, "recording:updated", { recording }),
        runWorker: env.WORKER_IN_PROCESS,
        logger,
        onJobDone: (seconds, outcome) => metrics.observeJob(COMPOSE_RECORDING_QUEUE, seconds, outcome),
      }),
      (b) => b.close(),
    );
    const localRecorder: LocalRecorderEvents = new EventHub();
    const desk = owned.own(
      "help desk",
      createRealtimeDesk({
        io,
        notifier,
        prisma: platform.db.prisma,
        visitorTokens: platform.visitorTokens,
        graceMs: env.PRESENCE_GRACE_SECONDS * 1000,
        logger,
        sharedPresence: !!redis,
        ice: {
          servers: env.ICE_SERVERS,
          turn:
            env.TURN_URLS && env.TURN_SECRET
              ? { urls: env.TURN_URLS, secret: env.TURN_SECRET, ttlSeconds: env.TURN_TTL_SECONDS }
              : undefined,
        },
        recording: {
          ...recordingOptions(env, platform, env.PUBLIC_URL ?? `http://localhost:${env.PORT}`, {
            close: (id) => localRecorder.emit("closeRecording", id),
            consent: (id, request) => localRecorder.emit("consent", id, request),
          }),
          onChange: (r) =>
            backend.onChange(r).catch((err: unknown) => logger.error({ err, recordingId: r.id }, "following a recording change failed")),
        },
        requests: {
          store: platform.rateLimits,
          rateLimits: {
            "ticket:open": { limit: env.RATE_LIMIT_TICKETS, windowMs: env.RATE_LIMIT_TICKETS_WINDOW_SECONDS * 1000 },
            "chat:send": { limit: env.RATE_LIMIT_CHAT, windowMs: env.RATE_LIMIT_CHAT_WINDOW_SECONDS * 1000 },
          },
          ipRateLimits: {
            "ticket:open": { limit: env.RATE_LIMIT_TICKETS_PER_IP, windowMs: env.RATE_LIMIT_TICKETS_WINDOW_SECONDS * 1000 },
          },
          eventBudget: { limit: env.SOCKET_EVENTS_PER_10_SECONDS, windowMs: 10_000 },
        },
      }),
      (d) => d.close(),
    );
    const recorder = owned.own(
      "recorder",
      await startCoLocatedRecorder(env, platform, {
        recordings: desk.recordings,
        logger,
        events: localRecorder,
        onIngestEvent: (event, data) => metrics.observeIngest(event, data),
      }),
      (r) => r.close(),
    );
    registerServices({ ...platform, desk, recordings: desk.recordings, library: backend.library, evidence: backend.evidence });
    owned.own("service registry", null, () => registerServices(undefined));
    await app.prepare();
    server.on("request", appRequestHandler({ env, logger, metrics, recorder, next: app.getRequestHandler() }));
    const upgrade = app.getUpgradeHandler();
    // Socket.IO answers its own upgrades; everything else (Next's HMR in dev) goes to Next.
    server.on("upgrade", (req, socket, head) => {
      if (req.url?.startsWith("/socket.io/")) return;
      upgrade(req, socket, head).catch(() => socket.destroy());
    });
    // Closed first: stop accepting, disconnect the sockets, leave the Redis adapter.
    owned.own("front door", server, async (s) => {
      s.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await redis?.close();
    });

    return {
      async start() {
        const port = await listen(server, env.PORT, env.HOST);
        // One forgotten promise must not end every call on this node (Node's default): log it, count it, keep serving.
        process.on("unhandledRejection", (reason) => {
          logger.error({ err: reason }, "unhandled promise rejection");
          metrics.observeUnhandledRejection();
        });
        return env.PUBLIC_URL ?? `http://localhost:${port}`;
      },
      close: () => owned.closeAll(),
    };
  });
}

/** The compositing worker process (`npm run worker`): pg-boss jobs, S3 uploads, retention. */
export function buildWorkerProcess(env: Env, logger: Logger): Promise<RunningProcess> {
  return buildOwned(logger, async (owned) => {
    const platform = owned.own("platform", await createServices(env, logger), closeServices);
    owned.own("recording backend", await startRecordingBackend(env, platform, { runWorker: true, logger }), (b) => b.close());
    return { close: () => owned.closeAll() };
  });
}
