// Webhook deliveries as pg-boss jobs (queue "deliver-webhook"): a delivery pending when the app restarts
// is sent after the restart, and retries wait with pg-boss's jittered exponential backoff. The secret is
// not stored in the job: it is read from the sender's configuration at delivery time, so rotating it
// re-signs pending deliveries and the job table holds no key material.
import { randomUUID } from "node:crypto";
import type PgBoss from "pg-boss";
import { settleStartupRace, type JobQueue } from "@/server/platform/jobs/job-queue";
import { deliverWebhookOnce, WEBHOOK_EVENTS, type WebhookEvent } from "@/server/recordings/webhooks/webhook-delivery";

export const DELIVER_WEBHOOK_QUEUE = "deliver-webhook";

export interface DeliverWebhookPayload {
  url: string;
  event: WebhookEvent;
  body: string;
}

/** What receivers get as the JSON body. */
export interface WebhookEnvelope<T = unknown> {
  id: string;
  event: WebhookEvent;
  createdAt: string;
  data: T;
}

export interface WebhookQueueOptions {
  secret: string;
  /** Every event goes to each of these. */
  urls: string[];
  /** Total attempts per delivery, including the first. */
  attempts?: number;
  /** pg-boss backoff base: retry n waits delay*2^n/2 * (1 + random) seconds. */
  retryDelaySeconds?: number;
  timeoutMs?: number;
  /** Delivery gave up (permanent refusal or attempts exhausted); for logging/alerting. */
  onUndeliverable?: (payload: DeliverWebhookPayload, reason: string) => void;
}

export interface WebhookQueue {
  /** Enqueues `event` for every configured URL; returns the event id (the envelope's `id`). */
  publish<T>(event: WebhookEvent, data: T): Promise<string>;
  /** Enqueues one delivery to one URL. */
  enqueue(payload: DeliverWebhookPayload): Promise<string | null>;
  work(opts?: { concurrency?: number }): Promise<void>;
  stopWorking(): Promise<void>;
}

export async function createWebhookQueue(queue: JobQueue, opts: WebhookQueueOptions): Promise<WebhookQueue> {
  const attempts = opts.attempts ?? 5;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const queueOptions = {
    name: DELIVER_WEBHOOK_QUEUE,
    policy: "standard" as const,
    retryLimit: attempts - 1,
    retryDelay: opts.retryDelaySeconds ?? 10,
    retryBackoff: true,
    // A hung receiver is cut by timeoutMs; expiry only matters when the sending process died.
    expireInSeconds: Math.max(30, Math.ceil(timeoutMs / 1000) * 3),
  };
  await settleStartupRace(async () => {
    await queue.boss.createQueue(DELIVER_WEBHOOK_QUEUE, queueOptions);
    await queue.boss.updateQueue(DELIVER_WEBHOOK_QUEUE, queueOptions);
  });
  const log = queue.logger.child({ queue: DELIVER_WEBHOOK_QUEUE });

  const enqueue = (payload: DeliverWebhookPayload) => {
    if (!WEBHOOK_EVENTS.includes(payload.event)) throw new Error(`unknown webhook event ${payload.event}`);
    if (!/^https?:\/\//.test(payload.url)) throw new Error(`webhook URL must be http(s): ${payload.url}`);
    return queue.boss.send(DELIVER_WEBHOOK_QUEUE, payload);
  };

  const deliver = async ([job]: PgBoss.JobWithMetadata<DeliverWebhookPayload>[]) => {
    const { url, event, body } = job.data;
    const attempt = job.retryCount + 1;
    const outcome = await deliverWebhookOnce({ url, event, body, deliveryId: job.id, secret: opts.secret, timeoutMs });
    const context = { url, event, deliveryId: job.id, attempt };
    if (outcome.kind === "delivered") {
      log.info({ ...context, status: outcome.status }, "webhook delivered");
      return { delivered: true, status: outcome.status, attempt };
    }
    if (outcome.kind === "permanent") {
      // Completed, not failed: a retry cannot change the receiver's answer. The job's output says why.
      log.warn({ ...context, status: outcome.status }, "webhook refused by receiver; not retrying");
      opts.onUndeliverable?.(job.data, `HTTP ${outcome.status}`);
      return { delivered: false, permanent: true, status: outcome.status, attempt };
    }
    const final = attempt > job.retryLimit;
    log.warn(
      { ...context, error: outcome.error, final },
      final ? "webhook delivery failed; giving up" : "webhook delivery failed; will retry",
    );
    if (final) opts.onUndeliverable?.(job.data, outcome.error);
    throw new Error(`webhook delivery to ${url} failed: ${outcome.error}`);
  };

  return {
    async publish(event, data) {
      const envelope: WebhookEnvelope = { id: randomUUID(), event, createdAt: new Date().toISOString(), data };
      // Serialized once: every attempt sends (and signs) the very same bytes.
      const body = JSON.stringify(envelope);
      for (const url of opts.urls) await enqueue({ url, event, body });
      return envelope.id;
    },
    enqueue,
    async work({ concurrency = 2 } = {}) {
      for (let i = 0; i < Math.max(1, concurrency); i++) {
        await queue.boss.work<DeliverWebhookPayload>(
          DELIVER_WEBHOOK_QUEUE,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: queue.pollingIntervalSeconds },
          deliver,
        );
      }
    },
    async stopWorking() {
      await queue.boss.offWork(DELIVER_WEBHOOK_QUEUE);
    },
  };
}
