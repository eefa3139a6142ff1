"use client";

import { useEffect, useState } from "react";
import { describeWait } from "@/lib/domain/availability";
import type { TicketView } from "@/lib/realtime/views";

export function formatWait(sinceIso: string, now: number): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(sinceIso)) / 1000));
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function WaitingScreen({ ticket, onCancel }: { ticket: TicketView; onCancel: () => void }) {
  const now = useNow();
  return (
    <div className="panel" data-testid="waiting-screen">
      <h1>Please wait, an agent will be with you shortly</h1>
      {ticket.meetingPointId && (
        <p className="invitation" data-testid="requeued-notice">
          Your request was passed on to another team; you keep your place near the front of the queue.
        </p>
      )}
      <p>
        You are number <strong data-testid="queue-position">{ticket.position ?? "…"}</strong> in the queue.
      </p>
      {ticket.estimatedWaitMs !== undefined && (
        <p data-testid="estimated-wait">
          Estimated wait: <strong>{describeWait(ticket.estimatedWaitMs)}</strong>
        </p>
      )}
      <p className="muted">
        Waiting for <span data-testid="time-waited">{formatWait(ticket.createdAt, now)}</span>
        {ticket.skill ? ` · topic: ${ticket.skill}` : ""}
      </p>
      <button className="button secondary" type="button" onClick={onCancel}>
        Leave the queue
      </button>
    </div>
  );
}
