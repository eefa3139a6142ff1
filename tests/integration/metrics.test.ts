// /metrics over a real HTTP server, against the real help desk, database and pg-boss.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "@/server/platform/database/generated/client";
import { createJobQueue, type JobQueue } from "@/server/platform/jobs/job-queue";
import { COMPOSE_RECORDING_QUEUE, createComposeRecordingQueue } from "@/server/recordings/compose/compose-queue";
import { createMetrics, type AppMetrics } from "@/server/platform/metrics/metrics";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";

const TOKEN = "m".repeat(32);

/** Metric lines as "name{labels}" → value. */
function parse(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  return values;
}

async function serve(metrics: AppMetrics): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void metrics.handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe(`metrics endpoint (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let queue: JobQueue;
  let metrics: AppMetrics;
  let url: string;
  let server: Server;
  const ingestDir = mkdtempSync(path.join(tmpdir(), "vhd-metrics-ingest-"));

  beforeAll(async () => {
    stack = await startRealtimeStack();
    queue = createJobQueue({ pool: stack.db.pool, mode: testDatabaseMode(), logger: silentLogger });
    await queue.start();
    metrics = createMetrics({
      db: stack.db,
      socketCount: () => stack.io.of("/").sockets.size,
      token: TOKEN,
      // Requests marked x-test-remote play a client on another host.
      isLoopback: (req) => !req.headers["x-test-remote"],
      jobQueue: queue,
      queueNames: [COMPOSE_RECORDING_QUEUE],
      ingestDirectory: ingestDir,
    });
    ({ server, url } = await serve(metrics));
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    metrics?.close();
    await queue?.stop({ graceful: false });
    await stack?.close();
    rmSync(ingestDir, { recursive: true, force: true });
  });

  it("reports waiting tickets, live calls, recordings, sockets and queue depth as they are", async () => {
    const agent = await stack.agent("agent1");
    const visitors = [await stack.visitor({ name: "A" }), await stack.visitor({ name: "B" }), await stack.visitor({ name: "C" })];
    for (const v of visitors) await v.ok("ticket:open", {});
    const taken = await agent.ok("queue:takeNext", {});
    const inv = await agent.ok("ticket:inviteToVideo", { ticketId: taken.ticket!.id });
    expect(inv.meetingPoint.state).toBe("live");
    await agent.ok("recording:start", { meetingPointId: inv.meetingPoint.id });
    const compose = await createComposeRecordingQueue(queue);
    await compose.enqueue(crypto.randomUUID());
    await compose.enqueue(crypto.randomUUID());
    metrics.observeJob(COMPOSE_RECORDING_QUEUE, 12.5, "completed");

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const values = parse(await res.text());
    expect(values.get("vhd_waiting_tickets")).toBe(2);
    expect(values.get("vhd_live_calls")).toBe(1);
    expect(values.get("vhd_active_recordings")).toBe(1);
    expect(values.get("vhd_connected_sockets")).toBe(4);
    expect(values.get(`vhd_job_queue_depth{queue="${COMPOSE_RECORDING_QUEUE}"}`)).toBe(2);
    expect(values.get(`vhd_job_duration_seconds_count{queue="${COMPOSE_RECORDING_QUEUE}",outcome="completed"}`)).toBe(1);
    expect(values.get(`vhd_job_duration_seconds_bucket{le="10",queue="${COMPOSE_RECORDING_QUEUE}",outcome="completed"}`)).toBe(0);
    expect(values.get("vhd_scrape_errors_total")).toBeUndefined();
    expect(values.get("vhd_process_resident_memory_bytes")).toBeGreaterThan(0);

    // The counts follow the desk: a visitor leaves the queue, a socket disconnects.
    const mine = await visitors[1].ok("ticket:mine", {});
    await visitors[1].ok("ticket:cancel", { ticketId: mine.ticket!.id });
    visitors[2].close();
    await new Promise((r) => setTimeout(r, 200));
    const after = parse(await (await fetch(`${url}/metrics`)).text());
    expect(after.get("vhd_waiting_tickets")).toBe(1);
    expect(after.get("vhd_connected_sockets")).toBe(3);
  });

  it("serves remote clients only with the bearer token", async () => {
    const remote = { "x-test-remote": "1" };
    expect((await fetch(`${url}/metrics`, { headers: remote })).status).toBe(403);
    expect((await fetch(`${url}/metrics`, { headers: { ...remote, authorization: "Bearer wrong" } })).status).toBe(403);
    const ok = await fetch(`${url}/metrics`, { headers: { ...remote, authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("vhd_waiting_tickets");
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });

  it("counts WHIP sessions from the ingest log and ingest bytes from file growth", async () => {
    const sessionDir = path.join(ingestDir, "rec1", "participant1", "sess1");
    mkdirSync(sessionDir, { recursive: true });
    metrics.observeIngest("negotiated", { sessionId: "sess1", recordingId: "rec1", setRemoteMs: 1 });
    metrics.observeIngest("negotiated", { sessionId: "sess2", recordingId: "rec1", setRemoteMs: 1 });
    metrics.observeIngest("track-start", { sessionId: "sess1", recordingId: "rec1", kind: "video" });
    writeFileSync(path.join(sessionDir, "track0-video.webm"), Buffer.alloc(5000));
    writeFileSync(path.join(sessionDir, "track1-audio.webm"), Buffer.alloc(700));
    writeFileSync(path.join(sessionDir, "track0-video.timing.jsonl"), "x".repeat(100));
    let v = parse(await (await fetch(`${url}/metrics`)).text());
    expect(v.get("vhd_ingest_sessions")).toBe(2);
    expect(v.get('vhd_ingest_bytes_total{kind="video"}')).toBe(5000);
    expect(v.get('vhd_ingest_bytes_total{kind="audio"}')).toBe(700);

    // Bytes written after `close` (the writers flush) are still counted once; then the session is dropped.
    metrics.observeIngest("close", { sessionId: "sess1", recordingId: "rec1", reason: "deleted" });
    appendFileSync(path.join(sessionDir, "track0-video.webm"), Buffer.alloc(1000));
    v = parse(await (await fetch(`${url}/metrics`)).text());
    expect(v.get("vhd_ingest_sessions")).toBe(1);
    expect(v.get('vhd_ingest_bytes_total{kind="video"}')).toBe(6000);
    appendFileSync(path.join(sessionDir, "track0-video.webm"), Buffer.alloc(1000));
    v = parse(await (await fetch(`${url}/metrics`)).text());
    expect(v.get('vhd_ingest_bytes_total{kind="video"}')).toBe(6000);
    expect(v.get('vhd_ingest_session_events_total{event="end",reason="deleted"}')).toBe(1);
  });

  it("still answers when the database is down, with the gauges it could compute and the errors", async () => {
    // A real client on a port nothing listens on: every query fails to connect.
    const deadPool = new pg.Pool({ connectionString: "postgresql://postgres@127.0.0.1:9/none", connectionTimeoutMillis: 500 });
    const deadPrisma = new PrismaClient({ adapter: new PrismaPg(deadPool) });
    const down = createMetrics({
      db: { prisma: deadPrisma, pool: deadPool },
      socketCount: () => 7,
      defaultMetrics: false,
      queryTimeoutMs: 2000,
    });
    const { server: downServer, url: downUrl } = await serve(down);
    try {
      // The default loopback check: a proxied request (x-forwarded-for) is not local, and no token is set.
      expect((await fetch(`${downUrl}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(403);
      const res = await fetch(`${downUrl}/metrics`);
      expect(res.status).toBe(200);
      const v = parse(await res.text());
      expect(v.get("vhd_connected_sockets")).toBe(7);
      expect(v.get("vhd_ingest_sessions")).toBe(0);
      expect(v.has("vhd_waiting_tickets")).toBe(false);
      for (const source of ["waitingTickets", "liveCalls", "activeRecordings", "queueDepth"]) {
        expect(v.get(`vhd_scrape_errors_total{source="${source}"}`)).toBe(1);
      }
    } finally {
      await new Promise((resolve) => downServer.close(resolve));
      down.close();
      await deadPrisma.$disconnect();
      await deadPool.end();
    }
  });
});
