"use client";

import { useEffect, useState } from "react";
import { useBusyAction } from "@/components/useBusyAction";
import type { TicketEventView } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

function summary(event: TicketEventView): string {
  if (event.kind === "note") return `${event.actor.name} noted`;
  const to = event.to && "agentId" in event.to ? event.to.name : `the ${event.to?.skill ?? "general"} queue`;
  return `${event.actor.name} transferred to ${to}`;
}

/** The ticket's internal history (transfers, notes) for agents, with a form to add a note. */
export function TicketTimeline(props: { desk: Desk; ticketId: string; canWrite: boolean }) {
  const { desk, ticketId } = props;
  const [events, setEvents] = useState<TicketEventView[]>([]);
  const [body, setBody] = useState("");
  const { busy, error, setError, act } = useBusyAction();

  // biome-ignore lint/correctness/useExhaustiveDependencies: setError comes from useBusyAction's state and never changes
  useEffect(() => {
    let alive = true;
    desk.request("ticket:timeline", { ticketId }).then(
      ({ events: list }) => alive && setEvents(list),
      (e: Error) => alive && setError(e.message),
    );
    const off = desk.on("ticket:event", ({ event }) => {
      if (event.ticketId === ticketId) setEvents((list) => (list.some((e) => e.id === event.id) ? list : [...list, event]));
    });
    return () => {
      alive = false;
      off();
    };
  }, [desk, ticketId]);

  return (
    <section aria-label="Internal notes" data-testid="ticket-timeline" className="stack" style={{ gap: 8 }}>
      <h3 style={{ margin: 0 }}>
        Internal notes{" "}
        <span className="muted" style={{ fontWeight: 400, fontSize: 14 }}>
          · agents only, never shown to the visitor
        </span>
      </h3>
      {events.length === 0 && (
        <p className="muted" style={{ margin: 0 }}>
          No notes or transfers yet.
        </p>
      )}
      <ol className="timeline">
        {events.map((e) => (
          <li key={e.id} className={e.kind} data-testid="timeline-entry" data-kind={e.kind}>
            <span className="muted">
              {new Date(e.createdAt).toLocaleString()} · {summary(e)}
            </span>
            {e.body && <div>{e.body}</div>}
          </li>
        ))}
      </ol>
      {props.canWrite && (
        <form
          className="row"
          onSubmit={(ev) => {
            ev.preventDefault();
            void act(async () => {
              const { event } = await desk.request("ticket:note", { ticketId, body });
              setEvents((list) => (list.some((x) => x.id === event.id) ? list : [...list, event]));
              setBody("");
            });
          }}
        >
          <textarea
            className="input"
            aria-label="New internal note"
            placeholder="Add an internal note…"
            rows={1}
            maxLength={4000}
            value={body}
            onChange={(e) => setBody(e.target.value)}
            style={{ flex: 1 }}
          />
          <button type="submit" className="button secondary" disabled={busy || !body.trim()}>
            Add note
          </button>
        </form>
      )}
      {error && <p className="error">{error}</p>}
    </section>
  );
}
