"use client";

import { useState } from "react";
import { useBusyAction } from "@/components/useBusyAction";
import { RATING_COMMENT_MAX, RATING_MAX } from "@/lib/domain/ticket";
import type { TicketView } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

const LABELS = ["Very poor", "Poor", "OK", "Good", "Excellent"];

/** After the call: 1 to 5 stars and an optional comment, sent once. */
export function RatingForm({ desk, ticket, onRated }: { desk: Desk; ticket: TicketView; onRated: (t: TicketView) => void }) {
  const [value, setValue] = useState(0);
  const [hover, setHover] = useState(0);
  const [comment, setComment] = useState("");
  const { busy, error, act } = useBusyAction();

  if (ticket.rating) {
    return (
      <p data-testid="rating-thanks">
        Thank you for your rating: <strong>{"★".repeat(ticket.rating.value)}</strong>
        <span className="muted">{"★".repeat(RATING_MAX - ticket.rating.value)}</span>
      </p>
    );
  }
  const shown = hover || value;
  return (
    <form
      className="stack"
      aria-label="Rate this help"
      data-testid="rating-form"
      style={{ gap: 8, maxWidth: 480 }}
      onSubmit={(e) => {
        e.preventDefault();
        void act(async () =>
          onRated((await desk.request("ticket:rate", { ticketId: ticket.id, rating: value, comment: comment.trim() || undefined })).ticket),
        );
      }}
    >
      <strong>How was your call with {ticket.agent?.name ?? "our agent"}?</strong>
      <div className="stars">
        {LABELS.map((label, i) => (
          <button
            key={label}
            type="button"
            className={i < shown ? "on" : ""}
            aria-label={`${i + 1} of ${RATING_MAX}: ${label}`}
            aria-pressed={value === i + 1}
            onMouseEnter={() => setHover(i + 1)}
            onMouseLeave={() => setHover(0)}
            onClick={() => setValue(i + 1)}
          >
            ★
          </button>
        ))}
        <span className="muted" style={{ marginLeft: 8 }}>
          {shown ? LABELS[shown - 1] : ""}
        </span>
      </div>
      <textarea
        className="input"
        aria-label="Comment (optional)"
        placeholder="Anything you want to tell us (optional)"
        rows={2}
        maxLength={RATING_COMMENT_MAX}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
      />
      {error && <p className="error">{error}</p>}
      <div>
        <button type="submit" className="button" disabled={busy || !value}>
          Send rating
        </button>
      </div>
    </form>
  );
}
