// Fuzzes the realtime protocol with a seeded storm of hostile requests from an agent, a visitor and
// unauthenticated sockets. Most requests are written as raw Socket.IO packets so that JSON the
// client library would never produce (`__proto__` keys, numeric event names, no ack) reaches the server.
// Reproduce a run with FUZZ_SEED=<seed printed below>.
import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "@/lib/realtime/ack";
import { requests } from "@/lib/realtime/protocol";
import { startRealtimeStack, type RealtimeStack, type TestClient } from "@/tests/support/realtime-stack";
import { fuzzPayloadJson, fuzzEventName, mulberry32, type Rng } from "@/tests/support/fuzz-values";

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const EVENTS_PER_SOCKET = Number(process.env.FUZZ_EVENTS ?? 2500); // per socket: agent + visitor = 5000 requests
console.log(`fuzz-socket seed=${SEED} (set FUZZ_SEED to reproduce another run)`);

const MAX_PACKET_BYTES = 60_000;
const CODES = [
  "BAD_REQUEST",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "INSUFFICIENT_STORAGE",
  "UNAVAILABLE",
  "INTERNAL",
] as const;
// Fails to compile when ErrorCode gains a member this list does not know.
const everyCodeListed: Exclude<ErrorCode, (typeof CODES)[number]> extends never ? true : false = true;
const DECLARED = Object.keys(requests);
// How a client sees the server dropping it: a Socket.IO disconnect or the transport closing under it.
const CUT_OFF = /^(io server disconnect|transport close)$/;

const processErrors: unknown[] = [];
const onProcessError = (err: unknown) => processErrors.push(err);
let stack: RealtimeStack;

beforeAll(async () => {
  process.on("unhandledRejection", onProcessError);
  process.on("uncaughtException", onProcessError);
  stack = await startRealtimeStack();
});
afterAll(async () => {
  await stack?.close();
  process.off("unhandledRejection", onProcessError);
  process.off("uncaughtException", onProcessError);
});

/** Writes `[event, ...args]` as a raw EVENT packet; with an ack id, resolves with the ack's arguments. */
function rawRequester(socket: Socket) {
  const pending = new Map<number, (args: unknown[]) => void>();
  let nextId = 1_000_000; // far above the client library's own ack ids
  socket.io.on("packet", (packet: { type: number; id?: number; data?: unknown[] }) => {
    if (packet.type === 3 && packet.id !== undefined) pending.get(packet.id)?.(packet.data ?? []);
  });
  return {
    send(arrayJson: string, withAck: boolean, timeoutMs = 5000): Promise<unknown[] | "no-ack-expected"> {
      if (!withAck) {
        socket.io.engine.write(`2${arrayJson}`);
        return Promise.resolve("no-ack-expected");
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no ack within ${timeoutMs} ms for ${arrayJson.slice(0, 200)}`));
        }, timeoutMs);
        pending.set(id, (args) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(args);
        });
        socket.io.engine.write(`2${id}${arrayJson}`);
      });
    },
  };
}

interface Tally {
  sent: number;
  acked: number;
  noAck: number;
  ok: number;
  codes: Record<string, number>;
  malformed: string[];
  /** Requests that got no ack in time, or failed to send. */
  failures: string[];
  disconnected?: string;
}

function checkAck(tally: Tally, args: unknown[], what: string) {
  tally.acked++;
  const reply = args[0] as { ok?: unknown; code?: unknown; message?: unknown } | undefined;
  const wellFormed =
    args.length === 1 &&
    typeof reply === "object" &&
    reply !== null &&
    (reply.ok === true || (reply.ok === false && CODES.includes(reply.code as never) && typeof reply.message === "string"));
  if (!wellFormed) tally.malformed.push(`${what} → ${JSON.stringify(args).slice(0, 200)}`);
  else if (reply.ok === true) tally.ok++;
  else tally.codes[reply.code as string] = (tally.codes[reply.code as string] ?? 0) + 1;
}

/** Sends `count` fuzzed requests from one socket, a few at a time, and tallies the replies. */
async function storm(client: TestClient, rng: Rng, count: number): Promise<Tally> {
  const tally: Tally = { sent: 0, acked: 0, noAck: 0, ok: 0, codes: {}, malformed: [], failures: [] };
  const raw = rawRequester(client.socket);
  const recent: string[] = []; // the last packets sent, to tell which one got the socket dropped
  const onDisconnect = (reason: string) => {
    tally.disconnected = `${reason} after:\n${recent.join("\n")}`;
  };
  client.socket.on("disconnect", onDisconnect);
  const one = async () => {
    const event = fuzzEventName(rng, DECLARED);
    const mode = rng();
    tally.sent++;
    if (mode < 0.05) {
      // Binary payload through the client library (a BINARY_EVENT packet with an attachment).
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 2048) }, () => Math.floor(rng() * 256)));
      const reply = await client.socket.timeout(5000).emitWithAck(String(event), bytes);
      return checkAck(tally, [reply], `${event} <binary>`);
    }
    const args = () =>
      mode < 0.1 ? "" : mode < 0.15 ? `,${fuzzPayloadJson(rng, event)},${fuzzPayloadJson(rng, event)}` : `,${fuzzPayloadJson(rng, event)}`;
    let packet = `[${JSON.stringify(event)}${args()}]`;
    // Past maxHttpBufferSize (64 KB) the server drops the whole connection; that case has its own test.
    while (Buffer.byteLength(packet) > MAX_PACKET_BYTES) packet = `[${JSON.stringify(event)}${args()}]`;
    const withAck = rng() > 0.08;
    recent.push(`${Buffer.byteLength(packet)} B ${packet.slice(0, 150)}`);
    if (recent.length > 20) recent.shift();
    const reply = await raw.send(packet, withAck);
    if (reply === "no-ack-expected") tally.noAck++;
    else checkAck(tally, reply, packet.slice(0, 200));
  };
  const parallel = 16;
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, () =>
      one().catch((err: Error) => void tally.failures.push(err.message)),
    );
    await Promise.all(batch);
    if (tally.disconnected) break;
  }
  client.socket.off("disconnect", onDisconnect);
  return tally;
}

/** A socket that should be refused in the handshake; resolves with the refusal's code. */
function unauthenticatedAttempt(auth: Record<string, unknown>, cookie?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(stack.url, {
      transports: ["websocket"],
      reconnection: false,
      auth,
      extraHeaders: cookie ? { cookie } : undefined,
    });
    socket.once("connect", () => {
      socket.disconnect();
      reject(new Error(`connected with ${JSON.stringify(auth).slice(0, 100)} ${cookie?.slice(0, 100)}`));
    });
    socket.once("connect_error", (err: Error & { data?: { code?: string } }) => {
      socket.disconnect();
      resolve(err.data?.code ?? `no code: ${err.message}`);
    });
  });
}

/** Opens a throwaway agent socket and resolves once the server has cut it off after `abuse`. */
async function cutOffAfter(abuse: (socket: Socket) => void): Promise<string> {
  const victim = await stack.agent("agent2");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server kept the abusive socket open")), 5000);
    victim.socket.once("disconnect", (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
    abuse(victim.socket);
  });
}

describe(`socket protocol fuzz (seed ${SEED})`, () => {
  it("answers thousands of hostile requests with well-formed acks and keeps working", { timeout: 90_000 }, async () => {
    expect(everyCodeListed).toBe(true);
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Fuzz Visitor" });
    const started = Date.now();
    const [agentTally, visitorTally] = await Promise.all([
      storm(agent, mulberry32(SEED), EVENTS_PER_SOCKET),
      storm(visitor, mulberry32(SEED ^ 0x5bd1e995), EVENTS_PER_SOCKET),
    ]);
    console.log(`fuzz-socket: ${Date.now() - started} ms`, JSON.stringify({ agent: agentTally, visitor: visitorTally }));

    for (const tally of [agentTally, visitorTally]) {
      expect(tally.disconnected).toBeUndefined();
      expect(tally.failures).toEqual([]);
      expect(tally.malformed).toEqual([]);
      expect(tally.acked + tally.noAck).toBe(tally.sent);
      // INTERNAL means a handler threw something it did not mean to: a bug the fuzzer found.
      expect(tally.codes.INTERNAL ?? 0).toBe(0);
      expect(tally.codes.BAD_REQUEST).toBeGreaterThan(tally.sent / 3); // the storm really was hostile
    }
    expect(agentTally.ok + visitorTally.ok).toBeGreaterThan(0); // and some of it valid enough to run

    // Nothing reached Object.prototype through a parsed payload.
    const probe = {} as Record<string, unknown>;
    for (const key of ["polluted", "isAdmin", "role", "ok", "code"]) expect(probe[key]).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe("[object Array]");

    // The same sockets still work.
    expect((await agent.ok("queue:list", {})).tickets).toBeInstanceOf(Array);
    expect((await visitor.ok("session:whoami", {})).identity.kind).toBe("visitor");
    const fresh = await stack.visitor({ name: "After The Storm" });
    const { ticket } = await fresh.ok("ticket:open", { name: "After The Storm" });
    expect((await agent.ok("queue:list", {})).tickets.map((t) => t.id)).toContain(ticket.id);
    expect(processErrors).toEqual([]);
  });

  it("refuses unauthenticated and forged handshakes with a code", async () => {
    const rng = mulberry32(SEED + 1);
    const forgedJwt = await encode({
      secret: "x".repeat(48),
      token: { sub: randomUUID(), name: "Mallory", username: "agent1", role: "admin" },
    });
    const attempts: [Record<string, unknown>, string?][] = [
      [{}],
      [{ visitorToken: "" }],
      [{ visitorToken: 42 }],
      [{ visitorToken: { __proto__: { admin: true } } }],
      [{ visitorToken: "a.b.c" }],
      [{ visitorToken: "\u0000\u202e😀".repeat(500) }],
      [{}, `next-auth.session-token=${forgedJwt}`],
      [{}, "next-auth.session-token=garbage; __Secure-next-auth.session-token=%%%"],
      [{ visitorToken: `${stack.tokens.issue({ name: "x" }).token.slice(0, -3)}AAA` }],
    ];
    for (let i = 0; i < 20; i++) attempts.push([{ visitorToken: JSON.parse(fuzzPayloadJson(rng, "session:whoami")) }]);
    for (const [auth, cookie] of attempts) {
      const code = await unauthenticatedAttempt(auth, cookie);
      expect(CODES).toContain(code);
    }
    expect(processErrors).toEqual([]);
  });

  it("cuts off oversized and unparseable packets without harming other sockets", async () => {
    const oneMegabyte = JSON.stringify({ name: "😀".repeat(260_000) });
    expect(await cutOffAfter((s) => s.io.engine.write(`2${JSON.stringify(["ticket:open"]).slice(0, -1)},${oneMegabyte}]`))).toMatch(
      CUT_OFF,
    );
    expect(await cutOffAfter((s) => s.io.engine.write(`27["chat:send",{"meetingPointId":`))).toMatch(CUT_OFF);
    expect(await cutOffAfter((s) => s.io.engine.write(`27["disconnect",{}]`))).toMatch(CUT_OFF);
    const agent = await stack.agent("agent1");
    expect((await agent.ok("agents:list", {})).agents.length).toBeGreaterThan(0);
    expect(processErrors).toEqual([]);
  });
});
