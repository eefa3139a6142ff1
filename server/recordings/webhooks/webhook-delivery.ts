// One delivery attempt of a signed webhook, and how its outcome is classified. Retrying is the queue's
// job (webhook-queue.ts); this only decides whether a retry can help.
import { signWebhook } from "@/server/recordings/webhooks/signature";

export const WEBHOOK_EVENTS = ["recording.started", "recording.stopped", "recording.ready", "recording.failed"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface DeliveryRequest {
  url: string;
  event: WebhookEvent;
  /** The exact bytes to send and sign. */
  body: string;
  /** Stable across retries, so receivers can drop duplicates (a 2xx lost on the way back means a resend). */
  deliveryId: string;
  secret: string;
  timeoutMs?: number;
}

export type DeliveryOutcome =
  | { kind: "delivered"; status: number }
  /** Retrying cannot help: 4xx (except 408/429), 3xx (we do not follow redirects with a signed body). */
  | { kind: "permanent"; status: number }
  /** Network error, timeout, 5xx, 408, 429: try again later. */
  | { kind: "retry"; status?: number; error: string };

export function classifyStatus(status: number): "delivered" | "permanent" | "retry" {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429) return "retry";
  if (status >= 300 && status < 500) return "permanent";
  return "retry";
}

export async function deliverWebhookOnce(req: DeliveryRequest): Promise<DeliveryOutcome> {
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": "video-help-desk-webhooks/1",
    "X-VHD-Event": req.event,
    "X-VHD-Delivery": req.deliveryId,
    ...signWebhook(req.secret, req.body),
  };
  let response: Response;
  try {
    response = await fetch(req.url, {
      method: "POST",
      headers,
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
    });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { kind: "retry", error: e.cause?.code ?? e.name ?? String(error) };
  }
  // Drain the body so the keep-alive connection can be reused; receivers' answers are not used.
  await response.arrayBuffer().catch(() => undefined);
  const kind = classifyStatus(response.status);
  return kind === "retry" ? { kind, status: response.status, error: `HTTP ${response.status}` } : { kind, status: response.status };
}
