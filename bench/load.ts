// Load on the realtime server: 1,000 waiting visitors (each with an open ticket) and 50 agents on the REAL
// production server (dist/server.mjs as a child process). Every figure has a baseline from the same run
// (the machine is shared and noisy): emit/ack latency idle vs loaded, memory per connection from the server's
// own /metrics, reconnect storms of 500 against 10, and the queue fan-out of one new ticket.
// Run: npx tsx bench/load.ts [--visitors 1000] [--agents 50] [--reconnects 500] [--port 3400] [--postgres] [--cpu-prof DIR]
// Needs about 2 file descriptors per connection in this process and one in the server (ulimit -n >= 4096).
import { parseArgs } from "node:util";
import {
  agentCookie,
  connectAgent,
  connectVisitor,
  median,
  nextEvent,
  percentile,
  pool,
  visitorToken,
  type Client,
} from "@/bench/load-clients";
import { startServer, type ServerProcess } from "@/bench/load-server";

const { values: args } = parseArgs({
  options: {
    visitors: { type: "string", default: "1000" },
    agents: { type: "string", default: "50" },
    reconnects: { type: "string", default: "500" },
    port: { type: "string", default: "3400" },
    postgres: { type: "boolean", default: false },
    "cpu-prof": { type: "string" }, // folder for the server's V8 CPU profile
  },
});
const VISITORS = Number(args.visitors);
const AGENTS = Number(args.agents);
const RECONNECTS = Math.min(Number(args.reconnects), VISITORS);
const BASE_RECONNECTS = 10;
const PROBE_ROUNDS = 300; // sequential round trips per probe client
const BURST_ROUNDS = 5; // sequential round trips per client while every client sends at once
const FANOUT_TICKETS = 3;

const lines: string[][] = [];
const report: Record<string, unknown> = {};
const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
const mb = (v: number) => `${(v / 2 ** 20).toFixed(1)} MB`;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const row = (...cells: (string | number)[]) => lines.push(cells.map(String));
const log = (text: string) => process.stderr.write(`[load] ${text}\n`);

async function memory(server: ServerProcess): Promise<{ rss: number; heap: number; sockets: number }> {
  await new Promise((r) => setTimeout(r, 1500)); // let pending writes and timers settle; no forced GC
  const samples: { rss: number; heap: number; sockets: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const m = await server.metrics();
    samples.push({
      rss: m.vhd_process_resident_memory_bytes!,
      heap: m.vhd_nodejs_heap_size_used_bytes!,
      sockets: m.vhd_connected_sockets!,
    });
    await new Promise((r) => setTimeout(r, 250));
  }
  return { rss: median(samples.map((s) => s.rss)), heap: median(samples.map((s) => s.heap)), sockets: samples.at(-1)!.sockets };
}

/** Each client does `rounds` sequential round trips of `event`, all clients at once; returns every round trip. */
async function roundTrips(clients: Client[], event: "session:whoami" | "queue:list", rounds: number): Promise<number[]> {
  const all: number[][] = await Promise.all(
    clients.map(async (c) => {
      const mine: number[] = [];
      for (let i = 0; i < rounds; i++) mine.push(await c.timed(event));
      return mine;
    }),
  );
  return all.flat();
}

/** Event-loop delay of the server during `fn`: prom-client resets its max at every scrape. */
async function withLag<T>(server: ServerProcess, fn: () => Promise<T>): Promise<{ result: T; lagMs: number }> {
  await server.metrics();
  const result = await fn();
  const m = await server.metrics();
  return { result, lagMs: m.vhd_nodejs_eventloop_lag_max_seconds! * 1000 };
}

/** Drops the transport of every client at once; time until all are back and each got an ack. */
async function reconnectStorm(clients: Client[]): Promise<number> {
  const started = performance.now();
  const back = clients.map(async (c) => {
    await nextEvent(c.socket, "connect", 60_000);
    await c.timed("session:whoami");
  });
  for (const c of clients) c.socket.io.engine.close();
  await Promise.all(back);
  return performance.now() - started;
}

/** A new visitor opens a ticket: its ack, and the moment every agent has the new queue. */
async function fanOut(url: string, token: string, agents: Client[]): Promise<{ ackMs: number; allAgentsMs: number; bytes: number }> {
  const visitor = await connectVisitor(url, token);
  const started = performance.now();
  const seen = agents.map((a) =>
    nextEvent<{ tickets: unknown[] }>(a.socket, "queue:updated", 60_000).then((p) => ({ at: performance.now(), p })),
  );
  const reply = await visitor.request("ticket:open", { name: "fan-out" });
  const ackMs = performance.now() - started;
  if (!reply.ok) throw new Error(`ticket:open refused: ${reply.code} ${reply.message}`);
  const arrivals = await Promise.all(seen);
  visitor.socket.disconnect();
  const bytes = Buffer.byteLength(JSON.stringify(arrivals[0]!.p));
  return { ackMs, allAgentsMs: Math.max(...arrivals.map((a) => a.at)) - started, bytes };
}

async function main(): Promise<void> {
  const wall = performance.now();
  const server = await startServer({ port: Number(args.port), postgres: args.postgres, cpuProfileDir: args["cpu-prof"] });
  const clients: Client[] = [];
  try {
    log(`server up (${server.database}) at ${server.url}`);
    const extra = 2 + BASE_RECONNECTS + 2 * FANOUT_TICKETS;
    let t = performance.now();
    const tokens = await pool(
      Array.from({ length: VISITORS + extra }, (_, i) => i),
      16,
      (i) => visitorToken(server.url, `Visitor ${i}`),
    );
    const tokenMs = performance.now() - t;
    row(
      "visitor tokens (POST /api/visitor/session)",
      `${tokens.length} in ${ms(tokenMs)}`,
      `${ms(tokenMs / tokens.length)} each, 16 at a time`,
    );
    const takeToken = () => tokens.pop()!;

    // --- Idle baseline: one visitor with a waiting ticket, one agent.
    const probeVisitor = await connectVisitor(server.url, takeToken());
    const probeAgent = await connectAgent(server.url, await agentCookie(server.secret, 0));
    clients.push(probeVisitor, probeAgent);
    const opened = await probeVisitor.request("ticket:open", { name: "probe" });
    if (!opened.ok) throw new Error(`probe ticket:open refused: ${opened.code}`);
    await roundTrips([probeVisitor, probeAgent], "session:whoami", 100); // warm-up (JIT, caches)
    await roundTrips([probeAgent], "queue:list", 30);
    const idleWhoami = await roundTrips([probeVisitor, probeAgent], "session:whoami", PROBE_ROUNDS);
    const idleQueue = await roundTrips([probeAgent], "queue:list", PROBE_ROUNDS / 3);
    const idleFan: Awaited<ReturnType<typeof fanOut>>[] = [];
    for (let i = 0; i < FANOUT_TICKETS; i++) idleFan.push(await fanOut(server.url, takeToken(), [probeAgent]));
    const idleRecClients = await Promise.all(Array.from({ length: BASE_RECONNECTS }, () => connectVisitor(server.url, takeToken())));
    const idleReconnectMs = await reconnectStorm(idleRecClients);
    for (const c of idleRecClients) c.socket.disconnect();
    log("idle baseline done");

    // --- Connect the crowd, measuring memory at each step.
    const before = await memory(server);
    t = performance.now();
    const visitorTokens = tokens.splice(0, VISITORS);
    const visitors = await pool(visitorTokens, 50, (tok) => connectVisitor(server.url, tok));
    clients.push(...visitors);
    const connectMs = performance.now() - t;
    const afterVisitors = await memory(server);
    log(`${visitors.length} visitors connected in ${ms(connectMs)}`);
    t = performance.now();
    const opening = await withLag(server, () =>
      pool(visitors, 20, async (v, i) => {
        const r = await v.request("ticket:open", { name: `Visitor ${i}` });
        if (!r.ok) throw new Error(`ticket:open refused: ${r.code} ${r.message}`);
        return r.ticket.position;
      }),
    );
    const openMs = performance.now() - t;
    const afterTickets = await memory(server);
    log(`${visitors.length} tickets opened`);
    t = performance.now();
    const agents = await Promise.all(
      Array.from({ length: AGENTS }, async (_, i) => connectAgent(server.url, await agentCookie(server.secret, i + 1))),
    );
    clients.push(...agents);
    const agentConnectMs = performance.now() - t;
    const afterAgents = await memory(server);
    const expectedSockets = 2 + VISITORS + AGENTS;
    if (afterAgents.sockets !== expectedSockets)
      throw new Error(`server counts ${afterAgents.sockets} sockets, expected ${expectedSockets}`);

    // --- Latency under load.
    const loadedWhoami = await roundTrips([probeVisitor, probeAgent], "session:whoami", PROBE_ROUNDS);
    const loadedQueue = await roundTrips([probeAgent], "queue:list", PROBE_ROUNDS / 3);
    const burst = await withLag(server, async () => {
      const s = performance.now();
      const samples = await roundTrips(clients, "session:whoami", BURST_ROUNDS);
      return { samples, seconds: (performance.now() - s) / 1000 };
    });
    const agentBurst = await roundTrips([probeAgent, ...agents], "queue:list", BURST_ROUNDS);
    const loadedFan: Awaited<ReturnType<typeof fanOut>>[] = [];
    for (let i = 0; i < FANOUT_TICKETS; i++) loadedFan.push(await fanOut(server.url, takeToken(), [probeAgent, ...agents]));
    log("latency done");

    // --- Reconnect storms in the loaded server: 10, then all at once.
    const loadedReconnectMs = await reconnectStorm(visitors.slice(0, BASE_RECONNECTS));
    const storm = await withLag(server, () => reconnectStorm(visitors.slice(0, RECONNECTS)));
    const afterStorm = await memory(server);
    if (afterStorm.sockets !== expectedSockets)
      throw new Error(`after the storm the server counts ${afterStorm.sockets} sockets, expected ${expectedSockets}`);
    log("reconnects done");

    // --- Report.
    const lat = (s: number[]) => ({ p50: percentile(s, 50), p99: percentile(s, 99), n: s.length });
    const L = {
      idleWhoami: lat(idleWhoami),
      loadedWhoami: lat(loadedWhoami),
      burstWhoami: lat(burst.result.samples),
      idleQueue: lat(idleQueue),
      loadedQueue: lat(loadedQueue),
      burstQueue: lat(agentBurst),
    };
    const perVisitor = { rss: (afterVisitors.rss - before.rss) / VISITORS, heap: (afterVisitors.heap - before.heap) / VISITORS };
    const perAgent = { rss: (afterAgents.rss - afterTickets.rss) / AGENTS, heap: (afterAgents.heap - afterTickets.heap) / AGENTS };
    const perAll = {
      rss: (afterAgents.rss - before.rss) / (VISITORS + AGENTS),
      heap: (afterAgents.heap - before.heap) / (VISITORS + AGENTS),
    };
    const fan = (f: typeof idleFan) => ({
      ackMs: median(f.map((x) => x.ackMs)),
      allAgentsMs: median(f.map((x) => x.allAgentsMs)),
      bytes: f[0]!.bytes,
    });
    const F = { idle: fan(idleFan), loaded: fan(loadedFan) };

    row("connect visitors (50 at a time)", `${VISITORS} in ${ms(connectMs)}`, `${ms(connectMs / VISITORS)} each`);
    row("ticket:open x visitors (20 at a time)", `${VISITORS} in ${ms(openMs)}`, `server event-loop max delay ${ms(opening.lagMs)}`);
    const placed = opening.result.filter((p) => p !== null).length;
    row("visitors told their queue position", `${placed} of ${VISITORS}`, placed < VISITORS ? "the others got position null" : "");
    row("connect agents (all at once)", `${AGENTS} in ${ms(agentConnectMs)}`, `server counts ${afterAgents.sockets} sockets`);
    const latRow = (name: string, a: { p50: number; p99: number; n: number }, base: { p50: number; p99: number }) =>
      row(name, `p50 ${ms(a.p50)} / p99 ${ms(a.p99)} (n=${a.n})`, `x idle: p50 ${ratio(a.p50, base.p50)}x, p99 ${ratio(a.p99, base.p99)}x`);
    row("whoami, 2 probe clients, idle", `p50 ${ms(L.idleWhoami.p50)} / p99 ${ms(L.idleWhoami.p99)} (n=${L.idleWhoami.n})`, "baseline");
    latRow("whoami, 2 probe clients, loaded", L.loadedWhoami, L.idleWhoami);
    latRow(`whoami, all ${clients.length} clients at once`, L.burstWhoami, L.idleWhoami);
    row("", `${Math.round(burst.result.samples.length / burst.result.seconds)} acks/s`, `server event-loop max delay ${ms(burst.lagMs)}`);
    row(
      "queue:list, 1 agent, idle (1 waiting)",
      `p50 ${ms(L.idleQueue.p50)} / p99 ${ms(L.idleQueue.p99)} (n=${L.idleQueue.n})`,
      "baseline",
    );
    latRow(`queue:list, 1 agent, loaded (${VISITORS} waiting)`, L.loadedQueue, L.idleQueue);
    latRow(`queue:list, all ${AGENTS + 1} agents at once`, L.burstQueue, L.idleQueue);
    row(
      "memory per visitor socket",
      `RSS ${(perVisitor.rss / 1024).toFixed(1)} KB, heap ${(perVisitor.heap / 1024).toFixed(1)} KB`,
      `RSS ${mb(before.rss)} -> ${mb(afterVisitors.rss)}`,
    );
    row(
      "memory per agent socket",
      `RSS ${(perAgent.rss / 1024).toFixed(1)} KB, heap ${(perAgent.heap / 1024).toFixed(1)} KB`,
      "noisy: 50 sockets",
    );
    row(
      `memory per connection (${VISITORS + AGENTS} + ${VISITORS} tickets)`,
      `RSS ${(perAll.rss / 1024).toFixed(1)} KB, heap ${(perAll.heap / 1024).toFixed(1)} KB`,
      `RSS ${mb(before.rss)} -> ${mb(afterAgents.rss)}, heap ${mb(before.heap)} -> ${mb(afterAgents.heap)}`,
    );
    row(
      "new ticket fan-out, idle (1 agent)",
      `ack ${ms(F.idle.ackMs)}, agents have it ${ms(F.idle.allAgentsMs)}`,
      `queue:updated ${(F.idle.bytes / 1024).toFixed(1)} KB`,
    );
    row(
      `new ticket fan-out, loaded (${AGENTS + 1} agents)`,
      `ack ${ms(F.loaded.ackMs)}, agents have it ${ms(F.loaded.allAgentsMs)}`,
      `x idle ${ratio(F.loaded.allAgentsMs, F.idle.allAgentsMs)}x; queue:updated ${(F.loaded.bytes / 1024).toFixed(1)} KB each`,
    );
    row(`reconnect ${BASE_RECONNECTS}, idle server`, ms(idleReconnectMs), "baseline (includes 50 ms client delay)");
    row(`reconnect ${BASE_RECONNECTS}, loaded server`, ms(loadedReconnectMs), `x idle ${ratio(loadedReconnectMs, idleReconnectMs)}x`);
    row(
      `reconnect ${RECONNECTS} at once, loaded`,
      ms(storm.result),
      `x ${BASE_RECONNECTS} idle ${ratio(storm.result, idleReconnectMs)}x, x ${BASE_RECONNECTS} loaded ${ratio(storm.result, loadedReconnectMs)}x; event-loop max ${ms(storm.lagMs)}`,
    );
    row("server warnings/errors logged", String(server.problems.length), server.problems.length ? server.problems[0]!.slice(0, 120) : "");
    row("wall time", ms(performance.now() - wall), `database ${server.database}`);

    const widths = [0, 1, 2].map((c) => Math.max(...lines.map((l) => (l[c] ?? "").length)));
    for (const l of lines)
      console.log(
        l
          .map((cell, c) => cell.padEnd(widths[c]!))
          .join("  ")
          .trimEnd(),
      );
    Object.assign(report, {
      bench: "load",
      database: server.database,
      visitors: VISITORS,
      agents: AGENTS,
      reconnects: RECONNECTS,
      visitorsWithPosition: placed,
      latencyMs: L,
      latencyRatio: {
        loadedProbeP50: ratio(L.loadedWhoami.p50, L.idleWhoami.p50),
        loadedProbeP99: ratio(L.loadedWhoami.p99, L.idleWhoami.p99),
        burstP50: ratio(L.burstWhoami.p50, L.idleWhoami.p50),
        burstP99: ratio(L.burstWhoami.p99, L.idleWhoami.p99),
        queueListP50: ratio(L.loadedQueue.p50, L.idleQueue.p50),
        queueListP99: ratio(L.loadedQueue.p99, L.idleQueue.p99),
      },
      memoryBytes: { before, afterVisitors, afterTickets, afterAgents, afterStorm, perVisitor, perAgent, perConnection: perAll },
      fanOut: F,
      reconnectMs: { idle10: idleReconnectMs, loaded10: loadedReconnectMs, storm: storm.result },
      reconnectRatio: ratio(storm.result, idleReconnectMs),
      serverProblems: server.problems.length,
    });
    console.log(JSON.stringify(report));
    const distinct = new Map<string, number>();
    for (const p of server.problems) distinct.set(p, (distinct.get(p) ?? 0) + 1);
    for (const [p, n] of [...distinct].slice(0, 10)) log(`server (${n}x): ${p}`);
  } finally {
    for (const c of clients) c.socket.disconnect();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`load bench FAILED: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
