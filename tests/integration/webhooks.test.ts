// Signed webhooks delivered through pg-boss to a real local HTTP receiver that verifies every signature:
// a flaky receiver gets the event exactly once delivered after retries, a 4xx is not retried, a 429 is,
// and a delivery enqueued before a restart is sent by the next process.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/server/platform/database/database";
import { createJobQueue, type JobQueue } from "@/server/platform/jobs/job-queue";
import { signWebhook, verifyWebhook } from "@/server/recordings/webhooks/signature";
import { createWebhookQueue, type WebhookEnvelope, type WebhookQueue } from "@/server/recordings/webhooks/webhook-queue";
import { openTestDatabase, silentLogger } from "@/tests/support/test-database";

const SECRET = "whsec_test_secret";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received {
  path: string;
  body: string;
  verified: boolean;
  event: string | undefined;
  deliveryId: string | undefined;
  answered: number;
}

describe("signatures", () => {
  it("signs HMAC-SHA256 of '<timestamp>.<body>' (vector computed with openssl)", () => {
    expect(signWebhook(SECRET, '{"event":"recording.ready"}', 1_700_000_000)).toEqual({
      "X-VHD-Timestamp": "1700000000",
      "X-VHD-Signature": "v1=5e7382145fcc5fb100bad4847765704a02bf50590a0a3f23113f2b9ef86448ee",
    });
  });

  it("verifies only the exact body, a known secret and a recent timestamp", () => {
    const body = '{"id":"1","event":"recording.ready"}';
    const signed = signWebhook(SECRET, body, 1_700_000_000);
    const headers = { timestamp: signed["X-VHD-Timestamp"], signature: signed["X-VHD-Signature"] };
    expect(verifyWebhook(SECRET, body, headers, { nowSec: 1_700_000_100 })).toEqual({ ok: true, timestampSec: 1_700_000_000 });
    expect(verifyWebhook(SECRET, body.replace("ready", "failed"), headers, { nowSec: 1_700_000_100 })).toMatchObject({
      ok: false,
      reason: "signature mismatch",
    });
    expect(verifyWebhook("other-secret", body, headers, { nowSec: 1_700_000_100 })).toMatchObject({ ok: false });
    expect(verifyWebhook(["old-secret", SECRET], body, headers, { nowSec: 1_700_000_100 })).toMatchObject({ ok: true });
    expect(verifyWebhook(SECRET, body, headers, { nowSec: 1_700_000_301 })).toMatchObject({
      ok: false,
      reason: "timestamp outside tolerance",
    });
    // The timestamp is part of what is signed: replaying the signature with a fresh timestamp fails.
    expect(verifyWebhook(SECRET, body, { ...headers, timestamp: "1700000200" }, { nowSec: 1_700_000_200 })).toMatchObject({ ok: false });
    expect(verifyWebhook(SECRET, body, { timestamp: headers.timestamp, signature: "v1=zz" }, { nowSec: 1_700_000_000 })).toMatchObject({
      ok: false,
    });
  });
});

describe("webhook delivery on pg-boss", () => {
  let db: Database;
  let queue: JobQueue;
  let webhooks: WebhookQueue;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  // Per path: the statuses to answer in order; the last one repeats.
  const script = new Map<string, number[]>();
  const undeliverable: string[] = [];

  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  const at = (path: string) => received.filter((r) => r.path === path);
  const until = async (what: string, probe: () => boolean, timeoutMs = 25_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };
  const openQueue = async () => {
    const connectionString =
      db.mode === "postgres" ? (db.pool as unknown as { options: { connectionString: string } }).options.connectionString : undefined;
    queue = createJobQueue({
      pool: db.pool,
      mode: db.mode,
      connectionString,
      logger: silentLogger,
      pollingIntervalSeconds: 0.5,
      maintenanceIntervalSeconds: 1,
    });
    await queue.start();
    webhooks = await createWebhookQueue(queue, {
      secret: SECRET,
      urls: [`${base}/flaky`],
      retryDelaySeconds: 1,
      timeoutMs: 5000,
      onUndeliverable: (payload, reason) => undeliverable.push(`${new URL(payload.url).pathname} ${reason}`),
    });
  };

  beforeAll(async () => {
    receiver = createServer(async (req, res) => {
      const body = await readBody(req);
      const path = req.url ?? "/";
      const verified = verifyWebhook(SECRET, body, {
        timestamp: req.headers["x-vhd-timestamp"] as string,
        signature: req.headers["x-vhd-signature"] as string,
      }).ok;
      const statuses = script.get(path) ?? [200];
      const count = received.filter((r) => r.path === path).length;
      const status = verified ? statuses[Math.min(count, statuses.length - 1)]! : 401;
      received.push({
        path,
        body,
        verified,
        event: req.headers["x-vhd-event"] as string,
        deliveryId: req.headers["x-vhd-delivery"] as string,
        answered: status,
      });
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    db = await openTestDatabase();
    await openQueue();
  });
  afterAll(async () => {
    await queue?.stop({ graceful: false });
    await db?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("retries a receiver that fails twice, then the event is delivered exactly once", async () => {
    script.set("/flaky", [500, 503, 200]);
    await webhooks.work({ concurrency: 2 });
    const eventId = await webhooks.publish("recording.ready", { recordingId: "rec-1", durationSeconds: 42 });
    await until("delivery", () => at("/flaky").some((r) => r.answered === 200));
    await sleep(2500); // long enough for a spurious extra retry to show up
    const attempts = at("/flaky");
    expect(attempts.map((r) => r.answered)).toEqual([500, 503, 200]);
    expect(attempts.every((r) => r.verified)).toBe(true);
    // Same bytes and the same delivery id every attempt, so receivers can deduplicate.
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    expect(new Set(attempts.map((r) => r.deliveryId)).size).toBe(1);
    const envelope = JSON.parse(attempts[0]!.body) as WebhookEnvelope;
    expect(envelope).toMatchObject({ id: eventId, event: "recording.ready", data: { recordingId: "rec-1", durationSeconds: 42 } });
    expect(attempts[0]!.event).toBe("recording.ready");
  });

  it("does not retry a 4xx refusal, but does retry 429", async () => {
    script.set("/refuse", [400]);
    script.set("/busy", [429, 200]);
    const body = JSON.stringify({ id: "x", event: "recording.failed", data: {} });
    await webhooks.enqueue({ url: `${base}/refuse`, event: "recording.failed", body });
    await webhooks.enqueue({ url: `${base}/busy`, event: "recording.failed", body });
    await until("429 retried", () => at("/busy").length === 2);
    await sleep(2500);
    expect(at("/refuse").map((r) => r.answered)).toEqual([400]);
    expect(at("/busy").map((r) => r.answered)).toEqual([429, 200]);
    expect(undeliverable).toEqual(["/refuse HTTP 400"]);
  });

  it("delivers an event enqueued before a restart once the next process runs", async () => {
    script.set("/flaky", [200]);
    const before = at("/flaky").length;
    await webhooks.stopWorking();
    await sleep(700); // a poll already in flight when the workers were told to stop may still return a job
    await webhooks.publish("recording.started", { recordingId: "rec-2" });
    await sleep(1000);
    expect(at("/flaky").length).toBe(before); // nobody is working the queue
    await queue.stop();
    await openQueue();
    await webhooks.work();
    await until("delivery after restart", () => at("/flaky").length === before + 1);
    const last = at("/flaky").at(-1)!;
    expect(last.verified).toBe(true);
    expect(JSON.parse(last.body)).toMatchObject({ event: "recording.started", data: { recordingId: "rec-2" } });
  });
});
