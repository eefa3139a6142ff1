"use client";

import { useEffect, useState } from "react";
import type { Desk } from "@/lib/sdk/desk";
import type { ChatMessageView, TicketView } from "@/lib/realtime/views";
import { TicketRecordings } from "@/components/recordings/TicketRecordings";
import { isNotice } from "@/lib/realtime/views";
import { TicketTimeline } from "@/components/console/TicketTimeline";

function stars(rating: TicketView["rating"]): string {
  return rating ? `${"★".repeat(rating.value)}${"☆".repeat(5 - rating.value)}` : "–";
}

function duration(from: string | null, to: string | null): string {
  if (!from || !to) return "–";
  const s = Math.round((Date.parse(to) - Date.parse(from)) / 1000);
  return `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** Closed and abandoned tickets, newest first, with the conversation of the one selected. */
export function HistoryPanel({ desk, refreshKey, selfId }: { desk: Desk; refreshKey: number; selfId: string }) {
  const [tickets, setTickets] = useState<TicketView[]>([]);
  const [selected, setSelected] = useState<{ ticket: TicketView; messages: ChatMessageView[] } | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey is the parent's request to read the history again
  useEffect(() => {
    desk.request("history:list", { limit: 50 }).then(
      ({ tickets: list }) => setTickets(list),
      () => {},
    );
  }, [desk, refreshKey]);

  return (
    <section className="panel" aria-label="History">
      <h2 style={{ marginTop: 0 }}>History</h2>
      <div style={{ overflowX: "auto" }}>
        <table className="list" data-testid="history">
          <thead>
            <tr>
              <th>Closed</th>
              <th>Visitor</th>
              <th>Skill</th>
              <th>Agent</th>
              <th>Status</th>
              <th>Waited</th>
              <th>Rating</th>
            </tr>
          </thead>
          <tbody>
            {tickets.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No closed tickets yet.
                </td>
              </tr>
            )}
            {tickets.map((t) => (
              <tr
                key={t.id}
                data-testid="history-row"
                style={{ cursor: "pointer" }}
                onClick={() => void desk.request("ticket:get", { ticketId: t.id }).then(setSelected)}
              >
                <td>{t.closedAt ? new Date(t.closedAt).toLocaleString() : "–"}</td>
                <td>{t.visitorName ?? "Anonymous visitor"}</td>
                <td>{t.skill ?? "any"}</td>
                <td>{t.agent?.name ?? "–"}</td>
                <td>{t.status}</td>
                <td>{duration(t.createdAt, t.assignedAt ?? t.closedAt)}</td>
                <td data-testid="history-rating" title={t.rating ? `${t.rating.value} of 5` : "not rated"}>
                  {stars(t.rating)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && (
        <div data-testid="history-details" style={{ marginTop: 16 }}>
          <h3>
            {selected.ticket.visitorName ?? "Anonymous visitor"} · {selected.ticket.status}
          </h3>
          <p className="muted">
            Opened {new Date(selected.ticket.createdAt).toLocaleString()} · handled by {selected.ticket.agent?.name ?? "nobody"} · time to
            answer {duration(selected.ticket.createdAt, selected.ticket.assignedAt)}
          </p>
          {selected.ticket.rating && (
            <p data-testid="history-rating-detail">
              Visitor's rating: <strong>{stars(selected.ticket.rating)}</strong> ({selected.ticket.rating.value} of 5)
              {selected.ticket.rating.comment && <> · “{selected.ticket.rating.comment}”</>}
            </p>
          )}
          <ol>
            {selected.messages.map((m) => (
              <li key={m.id} data-kind={isNotice(m) ? "notice" : "message"}>
                {isNotice(m) ? (
                  <em className="muted">Help desk notice: {m.body}</em>
                ) : (
                  <>
                    <strong>{m.senderName}:</strong> {m.body}
                  </>
                )}
              </li>
            ))}
            {selected.messages.length === 0 && <li className="muted">No messages.</li>}
          </ol>
          <TicketTimeline
            key={selected.ticket.id}
            desk={desk}
            ticketId={selected.ticket.id}
            canWrite={selected.ticket.agent?.id === selfId}
          />
          <TicketRecordings desk={desk} ticketId={selected.ticket.id} />
        </div>
      )}
    </section>
  );
}
