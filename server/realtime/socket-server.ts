// Socket.IO on the app's HTTP server. Every connection is authenticated in the handshake; every request
// is validated against the protocol's schema and answered with an ack, whatever the client sends.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { answerFor } from "@/lib/errors/catalog";
import type { Ack } from "@/lib/realtime/ack";
import type { Identity } from "@/lib/realtime/identity";
import { userIdOf } from "@/lib/realtime/identity";
import { requests, type ClientToServerEvents, type RequestName, type ServerToClientEvents } from "@/lib/realtime/protocol";
import type { Presence, PresenceMessage } from "@/server/help-desk/presence";
import type { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { findNulString } from "@/lib/security/nul-strings";
import { memoryRateLimits, type RateLimitStoreFactory } from "@/lib/security/rate-limit-store";
import type { RateLimitDecision } from "@/lib/security/rate-limiter";
import type { Logger } from "@/server/platform/logger";
import { requestHandlers, type RealtimeServices } from "@/server/realtime/request-handlers";
import { authenticateHandshake } from "@/server/realtime/socket-auth";

export interface SocketData {
  identity: Identity;
  /** The handshake credential's expiry; the connection is closed then (the client reconnects with a fresh one). */
  expiresAtMs: number;
}

/** Between app nodes (server-side emit over the adapter). */
export interface InterServerEvents {
  presence: (message: PresenceMessage) => void;
}

export type AppSocketServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;
export const AGENTS_ROOM = "agents";

export interface SocketServerDeps {
  secret: string;
  secureCookies: boolean;
  visitorTokens: VisitorTokens;
  logger: Logger;
  /** The site's public origin: agent (cookie) connections are accepted from it or from the Host asked for. */
  publicUrl?: string;
}

/** At most `limit` accepted requests of one event per user within `windowMs`. */
export interface RequestRateLimit {
  limit: number;
  windowMs: number;
}
export type RequestRateLimits = Partial<Record<RequestName, RequestRateLimit>>;

// Creating tickets and chat messages writes to the database and notifies other people, so one
// client must not be able to flood them; everything else is cheap or bounded by its own rules.
export const DEFAULT_REQUEST_RATE_LIMITS: RequestRateLimits = {
  "ticket:open": { limit: 10, windowMs: 60_000 },
  "chat:send": { limit: 20, windowMs: 10_000 },
};

/** Creates the server; `attach` wires the request handlers once the services exist (they need the notifier). */
export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): AppSocketServer {
  const io: AppSocketServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });
  io.use((socket, next) => {
    authenticateHandshake(socket.handshake, deps).then(
      (outcome) => {
        if (!outcome.ok) {
          const error = new Error(outcome.message) as Error & { data?: unknown };
          error.data = { code: outcome.code, message: outcome.message };
          return next(error);
        }
        socket.data.identity = outcome.identity;
        socket.data.expiresAtMs = outcome.expiresAtMs;
        next();
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, "socket authentication failed");
        next(new Error("authentication failed"));
      },
    );
  });
  return io;
}

export function attachRequestHandlers(
  io: AppSocketServer,
  services: RealtimeServices & { presence: Presence },
  logger: Logger,
  options: { rateLimits?: RequestRateLimits; store?: RateLimitStoreFactory } = {},
): void {
  const handlers = requestHandlers(services);
  const limiters = rateLimiters({ ...DEFAULT_REQUEST_RATE_LIMITS, ...options.rateLimits }, options.store ?? memoryRateLimits);
  io.on("connection", (socket) => {
    const identity = socket.data.identity;
    const userId = userIdOf(identity);
    void socket.join(userRoom(userId));
    if (identity.kind === "agent") void socket.join(AGENTS_ROOM);
    if (services.presence.connected(userId)) {
      services.meetingPoints.announcePresenceOf(userId).catch((err) => logger.warn({ err, userId }, "presence announcement failed"));
    }
    // Closing the transport (not a server disconnect) makes the client reconnect by itself, with the
    // credential it holds by then (a renewed visitor token, the agent's refreshed session cookie).
    let expiry: NodeJS.Timeout | undefined;
    const expireAt = (ms: number) => {
      clearTimeout(expiry);
      expiry = setTimeout(() => socket.conn.close(), Math.min(Math.max(0, ms - Date.now()), 2 ** 31 - 1));
    };
    expireAt(socket.data.expiresAtMs);
    socket.on("disconnect", () => {
      clearTimeout(expiry);
      services.presence.disconnected(userId);
    });

    const raw = socket as unknown as Socket;
    // The parser also lets numbers through as event names, so `event` is not always a string.
    raw.onAny((event: unknown, ...args: unknown[]) => {
      // Own keys only: "constructor" or "toString" are `in` every object but are not requests.
      if (typeof event === "string" && Object.hasOwn(handlers, event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === "function") ack(refusal("BAD_REQUEST", `unknown event "${String(event).slice(0, 60)}"`));
    });
    for (const event of Object.keys(handlers) as RequestName[]) {
      raw.on(event, async (...args: unknown[]) => {
        const ack = args[args.length - 1];
        if (typeof ack !== "function") return; // every request must carry an ack to answer
        const payload = args.length > 1 ? args[0] : {};
        const nul = findNulString(payload);
        if (nul) return ack(refusal("BAD_REQUEST", `${nul}: must not contain U+0000`));
        const parsed = requests[event].safeParse(payload);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          return ack(refusal("BAD_REQUEST", `${issue.path.join(".") || "payload"}: ${issue.message}`));
        }
        if (Date.now() >= socket.data.expiresAtMs) {
          socket.conn.close();
          return ack(refusal("UNAUTHENTICATED", "the credential of this connection has expired; reconnect"));
        }
        const limited = await limiters.get(event)?.take(userId);
        if (limited && !limited.allowed) {
          return ack(refusal("RATE_LIMITED", `too many ${event} requests; retry in ${limited.retryAfterSeconds} s`));
        }
        // Every line about this request names what it is about, so one ticket's or call's story can be grepped.
        const log = logger.child({ event, userId, ...idsIn(parsed.data) });
        const started = performance.now();
        try {
          const handler = handlers[event] as (who: Identity, p: unknown) => Promise<object>;
          const reply = await handler(identity, parsed.data);
          if (event === "session:renew") {
            const renewed = reply as { expiresAt: string | null };
            if (renewed.expiresAt) expireAt((socket.data.expiresAtMs = Date.parse(renewed.expiresAt)));
          }
          log.debug({ ms: Math.round(performance.now() - started), ...idsIn(reply) }, "socket request");
          ack({ ok: true, ...reply });
        } catch (error) {
          const answer = answerFor(error);
          if (answer.expected) log.debug({ code: answer.code }, "socket request refused");
          else if (answer.code === "UNAVAILABLE") log.warn({ err: error }, "socket request failed: a service is unreachable");
          else log.error({ err: error }, "socket request failed");
          ack(refusal(answer.code, answer.message));
        }
      });
    }
  });
}

/** One sliding window per limited event, keyed by user id; `take` answers whether this request may run. */
function rateLimiters(
  limits: RequestRateLimits,
  store: RateLimitStoreFactory,
): Map<string, { take(userId: string): Promise<RateLimitDecision> }> {
  const byEvent = new Map<string, { take(userId: string): Promise<RateLimitDecision> }>();
  for (const [event, rule] of Object.entries(limits)) {
    if (!rule || !(rule.limit > 0) || !(rule.windowMs > 0)) continue; // a limit of 0 or less turns it off
    const counters = store(`socket:${event}`, rule.windowMs);
    byEvent.set(event, { take: (userId) => counters.take(userId, rule.limit) });
  }
  return byEvent;
}

const ID_KEYS = ["meetingPointId", "ticketId", "recordingId", "invitationId"] as const;

/** The ids a payload or reply names, top-level or one object down (e.g. `{ ticket: { id } }`). */
export function idsIn(value: unknown): Partial<Record<(typeof ID_KEYS)[number], string>> {
  const out: Partial<Record<(typeof ID_KEYS)[number], string>> = {};
  if (!value || typeof value !== "object") return out;
  const v = value as Record<string, unknown>;
  for (const key of ID_KEYS) if (typeof v[key] === "string") out[key] = v[key] as string;
  for (const [key, nested] of [
    ["ticketId", v.ticket],
    ["meetingPointId", v.meetingPoint],
    ["recordingId", v.recording],
  ] as const) {
    const id = (nested as { id?: unknown } | null | undefined)?.id;
    if (!out[key] && typeof id === "string") out[key] = id;
  }
  return out;
}

function refusal(code: Extract<Ack, { ok: false }>["code"], message: string): Ack<never> {
  return { ok: false, code, message };
}
