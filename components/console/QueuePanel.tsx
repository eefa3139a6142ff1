"use client";

import type { ReactNode } from "react";
import type { TicketView } from "@/lib/realtime/views";
import { formatWait, useNow } from "@/components/visitor/WaitingScreen";

export function ProgressBadge({ progress }: { progress: string }) {
  return <span className={`badge ${progress}`}>{progress.replace("_", " ")}</span>;
}

/** The live queue of waiting tickets and the agent's own open tickets. */
export function QueuePanel(props: {
  queue: TicketView[];
  mine: TicketView[];
  selectedId: string | null;
  onTakeNext: () => void;
  onSelect: (ticketId: string) => void;
  busy: boolean;
  notice: string | null;
  /** The Available / Away switch; Take next is off while Away. */
  availability: ReactNode;
  away: boolean;
}) {
  const now = useNow();
  return (
    <div className="stack">
      <section className="panel" aria-label="Queue">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 style={{ margin: 0 }}>
            Queue{" "}
            <span className="muted" data-testid="queue-count">
              ({props.queue.length})
            </span>
          </h2>
          <button type="button" className="button" onClick={props.onTakeNext} disabled={props.busy || props.away}>
            Take next ticket
          </button>
        </div>
        <div className="row" style={{ marginTop: 12 }}>
          {props.availability}
        </div>
        {props.away && <p className="muted">You are Away: no tickets are offered to you. Set yourself Available to take tickets.</p>}
        {props.notice && <p className="muted">{props.notice}</p>}
        <table className="list" data-testid="queue">
          <thead>
            <tr>
              <th>#</th>
              <th>Visitor</th>
              <th>Skill</th>
              <th>Waiting</th>
              <th>Progress</th>
            </tr>
          </thead>
          <tbody>
            {props.queue.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  Nobody is waiting.
                </td>
              </tr>
            )}
            {props.queue.map((t) => (
              <tr key={t.id} data-testid="queue-row">
                <td>{t.position}</td>
                <td>{t.visitorName ?? "Anonymous visitor"}</td>
                <td>{t.skill ?? "any"}</td>
                <td>{formatWait(t.createdAt, now)}</td>
                <td>
                  <ProgressBadge progress={t.progress} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-label="My tickets">
        <h2 style={{ marginTop: 0 }}>My tickets</h2>
        {props.mine.length === 0 && <p className="muted">No open tickets.</p>}
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {props.mine.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className={`button ${t.id === props.selectedId ? "" : "secondary"}`}
                style={{ width: "100%", textAlign: "left", marginBottom: 6 }}
                onClick={() => props.onSelect(t.id)}
              >
                {t.visitorName ?? "Anonymous visitor"} · {t.skill ?? "any"} <ProgressBadge progress={t.progress} />
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
