// Socket.IO on the app's HTTP server. Every connection is authenticated in the handshake; every request
// is validated against the protocol's schema and answered with an ack, whatever the client sends.
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import { canSupervise } from "@/lib/domain/agent-account";
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
import { startSessionSweep } from "@/server/realtime/session-sweep";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { ConnectionsPerAddress, eventBudget } from "@/server/realtime/connection-limits";
import { clientIp } from "@/lib/security/client-ip";

export interface SocketData {
  identity: Identity;
  /** The handshake credential's expiry; the connection is closed then (the client reconnects with a fresh one). */
  expiresAtMs: number;
  /** An agent's session epoch at the handshake; the session sweep closes the socket once it is ended. */
  sessionEpoch?: number;
  /** The client's address (clientIp: the proxy's right-most X-Forwarded-For hop when TRUST_PROXY is set). */
  clientIp: string;
}

/** Between app nodes (server-side emit over the adapter). */
export interface InterServerEvents {
  presence: (message: PresenceMessage) => void;
}

export type AppSocketServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const userRoom = (userId: string) => `user:${userId}`;
export const AGENTS_ROOM = "agents";
/** Supervisors and admins (by their role at the handshake; the session sweep reconnects them when it changes). */
export const SUPERVISORS_ROOM = "supervisors";

export interface SocketServerDeps {
  secret: string;
  secureCookies: boolean;
  visitorTokens: VisitorTokens;
  sessions: AgentSessions;
  logger: Logger;
  /** The site's public origin: agent (cookie) connections are accepted from it or from the Host asked for. */
  publicUrl?: string;
  /** Take the client's address from the reverse proxy's X-Forwarded-For entry (TRUST_PROXY). */
  trustProxy?: boolean;
  /** Concurrent visitor connections one address may hold on this node (0: no limit). */
  visitorConnectionsPerIp?: number;
}

/** Default bounds for anonymous clients; the composition root sets them from the environment. */
export const DEFAULT_VISITOR_CONNECTIONS_PER_IP = 20;
export const DEFAULT_EVENT_BUDGET = { limit: 200, windowMs: 10_000 };

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
// Visitors from one address (an office behind NAT is several people; a script minting identities is one).
export const DEFAULT_IP_RATE_LIMITS: RequestRateLimits = {
  "ticket:open": { limit: 30, windowMs: 60_000 },
};

/** Creates the server; `attach` wires the request handlers once the services exist (they need the notifier). */
export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): AppSocketServer {
  const io: AppSocketServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
  });
  const visitorsPerIp = new ConnectionsPerAddress(deps.visitorConnectionsPerIp ?? DEFAULT_VISITOR_CONNECTIONS_PER_IP);
  const refuse = (next: (err?: Error) => void, code: string, message: string) => {
    const error = new Error(message) as Error & { data?: unknown };
    error.data = { code, message };
    next(error);
  };
  io.use((socket, next) => {
    const ip = clientIp({
      forwardedFor: socket.handshake.headers["x-forwarded-for"],
      remoteAddress: socket.conn.remoteAddress,
      trustProxy: deps.trustProxy ?? false,
    });
    authenticateHandshake(socket.handshake, deps).then(
      (outcome) => {
        if (!outcome.ok) return refuse(next, outcome.code, outcome.message);
        if (outcome.identity.kind === "visitor" && !visitorsPerIp.admits(ip))
          return refuse(next, "RATE_LIMITED", "too many visitor connections from this address");
        socket.data.identity = outcome.identity;
        socket.data.expiresAtMs = outcome.expiresAtMs;
        socket.data.sessionEpoch = outcome.sessionEpoch;
        socket.data.clientIp = ip;
        next();
      },
      (error: unknown) => {
        deps.logger.error({ err: error }, "socket authentication failed");
        next(new Error("authentication failed"));
      },
    );
  });
  const sweep = startSessionSweep(io, deps.sessions, { logger: deps.logger });
  httpServer.once("close", () => sweep.stop());
  io.on("connection", (socket) => {
    if (socket.data.identity.kind !== "visitor") return;
    visitorsPerIp.connected(socket.data.clientIp);
    socket.on("disconnect", () => visitorsPerIp.disconnected(socket.data.clientIp));
  });
  return io;
}

export function attachRequestHandlers(
  io: AppSocketServer,
  services: RealtimeServices & { presence: Presence },
  logger: Logger,
  options: {
    rateLimits?: RequestRateLimits;
    /** Per client address, for visitors (whose identities are free): e.g. tickets opened from one address. */
    ipRateLimits?: RequestRateLimits;
    /** Events one connection may send per window, whatever they are. */
    eventBudget?: { limit: number; windowMs: number };
    store?: RateLimitStoreFactory;
  } = {},
): void {
  const handlers = requestHandlers(services);
  const store = options.store ?? memoryRateLimits;
  const limiters = rateLimiters({ ...DEFAULT_REQUEST_RATE_LIMITS, ...options.rateLimits }, store);
  const ipLimiters = rateLimiters({ ...DEFAULT_IP_RATE_LIMITS, ...options.ipRateLimits }, store, "socket-ip");
  const budget = options.eventBudget ?? DEFAULT_EVENT_BUDGET;
  io.on("connection", (socket) => {
    const identity = socket.data.identity;
    const userId = userIdOf(identity);
    void socket.join(userRoom(userId));
    if (identity.kind === "agent") void socket.join(AGENTS_ROOM);
    if (identity.kind === "agent" && canSupervise(identity.role)) void socket.join(SUPERVISORS_ROOM);
    // Requests wait for an agent's return from an automatic Away to be stored: "Take next" sent right after
    // connecting must see them Available.
    let arrived: Promise<void> = Promise.resolve();
    if (services.presence.connected(userId)) {
      services.meetingPoints.announcePresenceOf(userId).catch((err) => logger.warn({ err, userId }, "presence announcement failed"));
      if (identity.kind === "agent") {
        arrived = services.helpDesk.agentArrived(identity.id).catch((err) => logger.warn({ err, userId }, "restoring availability failed"));
      }
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
    const spend = eventBudget(budget.limit, budget.windowMs);
    raw.use((packet, next) => {
      const verdict = spend();
      if (verdict === "ok") return next();
      const ack = packet[packet.length - 1];
      if (typeof ack === "function") ack(refusal("RATE_LIMITED", `more than ${budget.limit} events in ${budget.windowMs / 1000} s`));
      if (verdict === "abusive") {
        logger.warn({ userId, clientIp: socket.data.clientIp }, "socket dropped: it kept sending past its event budget");
        socket.disconnect(true);
      }
    });
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
        await arrived;
        const limited = await limiters.get(event)?.take(userId);
        if (limited && !limited.allowed) {
          return ack(refusal("RATE_LIMITED", `too many ${event} requests; retry in ${limited.retryAfterSeconds} s`));
        }
        const fromIp = identity.kind === "visitor" ? await ipLimiters.get(event)?.take(socket.data.clientIp) : undefined;
        if (fromIp && !fromIp.allowed) {
          return ack(refusal("RATE_LIMITED", `too many ${event} requests from this address; retry in ${fromIp.retryAfterSeconds} s`));
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
  prefix = "socket",
): Map<string, { take(key: string): Promise<RateLimitDecision> }> {
  const byEvent = new Map<string, { take(key: string): Promise<RateLimitDecision> }>();
  for (const [event, rule] of Object.entries(limits)) {
    if (!rule || !(rule.limit > 0) || !(rule.windowMs > 0)) continue; // a limit of 0 or less turns it off
    const counters = store(`${prefix}:${event}`, rule.windowMs);
    byEvent.set(event, { take: (key) => counters.take(key, rule.limit) });
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
