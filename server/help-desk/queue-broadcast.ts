// Tells agents the queue and visitors their place after the queue changed. Changes are coalesced: a burst
// (a hundred visitors arriving in a second) costs one read and one broadcast per window instead of one
// per change, and a visitor is told only when their position moved. Measured with bench/load.ts.
import type { TicketStore } from "@/server/help-desk/ticket-store";
import type { Notifier } from "@/server/help-desk/notifier";
import { ticketView } from "@/server/help-desk/views";

/** Agents get the oldest ones in full; the rest still count for visitors' positions. */
export const QUEUE_VIEW_LIMIT = 500;

export class QueueBroadcast {
  private pending?: NodeJS.Timeout;
  private running?: Promise<void>;
  private told = new Map<string, number>();

  constructor(
    private readonly tickets: TicketStore,
    private readonly notifier: Notifier,
    private readonly opts: { windowMs: number; onError?: (err: unknown) => void },
  ) {}

  /** The queue changed; the broadcast follows within the window. */
  changed(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      // One broadcast at a time: a change during one schedules the next, which reads the newer state.
      this.running = (this.running ?? Promise.resolve()).then(() => this.broadcast()).catch((err: unknown) => this.opts.onError?.(err));
    }, this.opts.windowMs);
    this.pending.unref?.();
  }

  /** Drops a scheduled broadcast (shutdown). */
  close(): void {
    clearTimeout(this.pending);
    this.pending = undefined;
  }

  private async broadcast(): Promise<void> {
    const waiting = (await this.tickets.listWaiting()).map((t, i) => ticketView(t, i + 1));
    this.notifier.toAgents("queue:updated", { tickets: waiting.slice(0, QUEUE_VIEW_LIMIT) });
    const told = new Map<string, number>();
    for (const view of waiting) {
      told.set(view.id, view.position!);
      if (this.told.get(view.id) !== view.position) this.notifier.toUser(view.visitorUserId, "ticket:updated", { ticket: view });
    }
    this.told = told;
  }
}
