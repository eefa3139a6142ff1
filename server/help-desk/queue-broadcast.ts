// Tells agents the queue and visitors their place after the queue changed. Changes are coalesced: a burst
// (a hundred visitors arriving in a second) costs one read and one broadcast per window instead of one
// per change, and a visitor is told only when their position or expected wait moved. Measured with bench/load.ts.
import { type DeskCapacity, estimateWaitMs } from "@/lib/domain/availability";
import type { TicketStore } from "@/server/help-desk/ticket-store";
import type { Notifier } from "@/server/help-desk/notifier";
import { ticketView } from "@/server/help-desk/views";

/** Agents get the oldest ones in full; the rest still count for visitors' positions. */
export const QUEUE_VIEW_LIMIT = 500;

export class QueueBroadcast {
  private pending?: NodeJS.Timeout;
  private running?: Promise<void>;
  private told = new Map<string, string>();

  constructor(
    private readonly tickets: TicketStore,
    private readonly notifier: Notifier,
    private readonly opts: { windowMs: number; capacity: () => Promise<DeskCapacity>; onError?: (err: unknown) => void },
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
    const capacity = await this.opts.capacity();
    const waiting = (await this.tickets.listWaiting()).map((t, i) => ({
      ...ticketView(t, i + 1),
      estimatedWaitMs: estimateWaitMs(i + 1, capacity),
    }));
    this.notifier.toAgents("queue:updated", { tickets: waiting.slice(0, QUEUE_VIEW_LIMIT) });
    const told = new Map<string, string>();
    for (const view of waiting) {
      const said = `${view.position}:${view.estimatedWaitMs}`;
      told.set(view.id, said);
      if (this.told.get(view.id) !== said) this.notifier.toUser(view.visitorUserId, "ticket:updated", { ticket: view });
    }
    this.told = told;
  }
}
