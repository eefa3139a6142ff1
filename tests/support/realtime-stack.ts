// The realtime part of the server, in-process: real HTTP server, Socket.IO, services and database.
// Clients connect with real socket.io-client sockets, authenticated exactly as browsers are.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { encode } from "next-auth/jwt";
import { io as connect, type Socket } from "socket.io-client";
import type { Ack } from "@/lib/realtime/ack";
import type { Replies, RequestName, RequestPayload } from "@/lib/realtime/protocol";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { S3ObjectStorage } from "@/server/platform/storage/s3-storage";
import type { HelpDesk, HelpDeskOptions } from "@/server/help-desk/create-help-desk";
import { createRealtimeDesk } from "@/server/composition-root-realtime";
import { prepareRecordingFolder } from "@/server/recordings/co-located-recorder";
import { RecordingLibrary } from "@/server/recordings/recording-library";
import { RecordingAccessLog } from "@/server/recordings/recording-access-log";
import { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";
import type { Database } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";
import {
  createSocketServer,
  type AppSocketServer,
  type attachRequestHandlers,
  type SocketServerDeps,
} from "@/server/realtime/socket-server";
import { SocketNotifier } from "@/server/realtime/socket-notifier";
import { attachRedisAdapter } from "@/server/realtime/redis-adapter";
import type { Logger } from "@/server/platform/logger";
import { openTestDatabase, silentLogger } from "@/tests/support/test-database";

export const SECRET = "t".repeat(48);

export interface TestClient {
  socket: Socket;
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<Ack<Replies[E]>>;
  /** Like request, but throws unless ok. */
  ok<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<Replies[E]>;
  next<T = unknown>(event: string, predicate?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): void;
}

export interface RealtimeStack {
  db: Database;
  desk: HelpDesk;
  library: RecordingLibrary;
  io: AppSocketServer;
  url: string;
  tokens: VisitorTokens;
  /** A socket with a session cookie of this (seeded or test-created) account. */
  agent(username: string): Promise<TestClient>;
  visitor(opts?: { name?: string; visitorId?: string; token?: string }): Promise<TestClient & { visitorId: string; token: string }>;
  close(): Promise<void>;
}

export const RECORDER_SECRET = "r".repeat(40);

export async function startRealtimeStack(
  opts: {
    graceMs?: number;
    recording?: Partial<HelpDeskOptions["recording"]>;
    /** The co-located recorder's folder that the library lists raw sessions from (default: a temp folder). */
    recordingsDir?: string;
    /** A second app node: share this stack's database instead of opening a new one. */
    sharedDb?: Database;
    /** Socket.IO across nodes through Redis (with a key private to the test). */
    redis?: { url: string; key: string };
    /** Where the stack's services log (default: nowhere). */
    logger?: Logger;
    /** Request rate limits and where their counters live (default: the production limits, in memory). */
    rateLimits?: Parameters<typeof attachRequestHandlers>[3];
    /** Handshake options (per-address connection limit, proxy trust); default: no per-address limit. */
    socket?: Pick<SocketServerDeps, "visitorConnectionsPerIp" | "trustProxy">;
  } = {},
): Promise<RealtimeStack> {
  const db = opts.sharedDb ?? (await openTestDatabase());
  if (!opts.sharedDb) await seed(db.prisma, {});
  const http: Server = createServer();
  const tokens = new VisitorTokens(SECRET, 3600);
  const io = createSocketServer(http, {
    secret: SECRET,
    secureCookies: false,
    visitorTokens: tokens,
    sessions: new AgentSessions(db.prisma),
    logger: silentLogger,
    // Every test client comes from 127.0.0.1: limits per address are off unless a test turns them on.
    visitorConnectionsPerIp: 0,
    ...opts.socket,
  });
  const redis = opts.redis ? await attachRedisAdapter(io, opts.redis.url, silentLogger, { key: opts.redis.key }) : undefined;
  const recordingDir = opts.recordingsDir ?? mkdtempSync(path.join(tmpdir(), "vhd-stack-rec-"));
  const desk = createRealtimeDesk({
    io,
    notifier: new SocketNotifier(io),
    prisma: db.prisma,
    visitorTokens: tokens,
    graceMs: opts.graceMs ?? 300,
    logger: silentLogger,
    requestLogger: opts.logger,
    sharedPresence: !!redis,
    recording: {
      publisherSecret: RECORDER_SECRET,
      whipBaseUrl: "http://127.0.0.1:9/whip",
      prepare: prepareRecordingFolder(recordingDir, null),
      ...opts.recording,
    },
    // Scripted clients (the authorization matrix, fuzzing) send far more than a browser: the per-connection event
    // budget is off here unless a test turns it on (tests/integration/anonymous-flooding.test.ts).
    requests: {
      ipRateLimits: { "ticket:open": { limit: 0, windowMs: 60_000 } },
      eventBudget: { limit: 0, windowMs: 10_000 },
      ...opts.rateLimits,
    },
  });
  // The agents' view of recordings; its S3 client is never reached before a movie is ready.
  const library = new RecordingLibrary(db.prisma, {
    access: new RecordingAccessLog(db.prisma),
    storage: new S3ObjectStorage(new S3Client({ region: "us-east-1" }), "unused", "s3", ""),
    directory: recordingDir,
    linkSeconds: 60,
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: TestClient[] = [];

  async function open(options: { auth?: Record<string, unknown>; cookie?: string }): Promise<TestClient> {
    const socket = connect(url, {
      transports: ["websocket"],
      reconnection: false,
      auth: options.auth ?? {},
      extraHeaders: options.cookie ? { cookie: options.cookie } : undefined,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    const client: TestClient = {
      socket,
      request: (event, payload) => socket.timeout(5000).emitWithAck(event, payload),
      async ok(event, payload) {
        const reply = await client.request(event, payload);
        if (!reply.ok) throw new Error(`${event} refused: ${reply.code} ${reply.message}`);
        return reply as never;
      },
      next<T>(event: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 5000) {
        return new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => {
            socket.off(event, listener);
            reject(new Error(`no ${event} within ${timeoutMs} ms`));
          }, timeoutMs);
          const listener = (payload: T) => {
            if (!predicate(payload)) return;
            clearTimeout(timer);
            socket.off(event, listener);
            resolve(payload);
          };
          socket.on(event, listener);
        });
      },
      close: () => socket.disconnect(),
    };
    clients.push(client);
    return client;
  }

  return {
    db,
    desk,
    library,
    io,
    url,
    tokens,
    async agent(username) {
      const agent = await db.prisma.agent.findUniqueOrThrow({ where: { username } });
      const jwt = await encode({
        secret: SECRET,
        token: { sub: agent.id, name: agent.displayName, username: agent.username, role: agent.role },
      });
      return open({ cookie: `next-auth.session-token=${jwt}` });
    },
    async visitor(options = {}) {
      const token = options.token ?? tokens.issue({ name: options.name, visitorId: options.visitorId }).token;
      const verified = tokens.verify(token);
      const client = await open({ auth: { visitorToken: token } });
      return Object.assign(client, { visitorId: verified.ok ? verified.claims.sub : "", token });
    },
    async close() {
      for (const c of clients) c.close();
      desk.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await redis?.close();
      if (!opts.sharedDb) await db.close();
      if (!opts.recordingsDir) rmSync(recordingDir, { recursive: true, force: true });
    },
  };
}
