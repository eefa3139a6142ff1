// Socket.IO clients for bench/load.ts, authenticated as browsers are: visitors with a token from
// POST /api/visitor/session, agents with a next-auth session cookie signed with the server's AUTH_SECRET.
import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { io as connect, type Socket } from "socket.io-client";
import type { Ack } from "@/lib/realtime/ack";
import type { Replies, RequestName, RequestPayload } from "@/lib/realtime/protocol";

export const REQUEST_TIMEOUT_MS = 30_000;

export interface Client {
  kind: "visitor" | "agent";
  socket: Socket;
  request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<Ack<Replies[E]>>;
  /** One round trip in milliseconds; throws unless the server answered ok. */
  timed(event: RequestName): Promise<number>;
}

function open(url: string, kind: Client["kind"], auth: Record<string, unknown>, cookie?: string): Promise<Client> {
  const socket = connect(url, {
    transports: ["websocket"],
    forceNew: true, // one engine (one TCP connection) per client, as separate browsers have
    auth,
    extraHeaders: cookie ? { cookie } : undefined,
    // Reconnect at once and without jitter: the reconnect storm measures the server, not client back-off.
    reconnection: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 1000,
    randomizationFactor: 0,
    timeout: REQUEST_TIMEOUT_MS,
  });
  const client: Client = {
    kind,
    socket,
    request: (event, payload) =>
      (socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck as (e: string, p: unknown) => Promise<never>)(event, payload),
    async timed(event) {
      const started = performance.now();
      const reply = await client.request(event, {} as never);
      const ms = performance.now() - started;
      if (!reply.ok) throw new Error(`${event} refused: ${reply.code} ${reply.message}`);
      return ms;
    },
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => {
      socket.off("connect_error", onError);
      resolve(client);
    });
    const onError = (err: Error) => {
      socket.disconnect();
      reject(new Error(`${kind} connection refused: ${err.message}`));
    };
    socket.once("connect_error", onError);
  });
}

export async function visitorToken(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/api/visitor/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { ok?: boolean; token?: string };
  if (res.status !== 201 || !body.token) throw new Error(`visitor session answered ${res.status}`);
  return body.token;
}

export function connectVisitor(url: string, token: string): Promise<Client> {
  return open(url, "visitor", { visitorToken: token });
}

/**
 * An agent's session cookie, minted as next-auth does at sign-in. The id is a fresh UUID: the socket
 * handshake trusts the signed session alone (as for a browser), so each bench agent is a distinct user
 * with its own room and presence entry without writing agent rows into the server's database.
 */
export async function agentCookie(secret: string, n: number): Promise<string> {
  const jwt = await encode({
    secret,
    token: { sub: randomUUID(), name: `Bench Agent ${n}`, username: `bench-agent-${n}`, role: "agent" },
  });
  return `next-auth.session-token=${jwt}`;
}

export function connectAgent(url: string, cookie: string): Promise<Client> {
  return open(url, "agent", {}, cookie);
}

/** Runs `fn` over `items` with at most `limit` in flight; keeps the results' order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);

/** Resolves when `event` arrives on the socket; rejects after `timeoutMs`. */
export function nextEvent<T>(socket: Socket, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener);
  });
}
