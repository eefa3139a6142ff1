"use client";

import { useState } from "react";
import { LivePlayer } from "@/components/recordings/LivePlayer";
import { formatTime } from "@/components/recordings/recordings-client";
import type { RecordingInProgress } from "@/lib/domain/desk-figures";

/** The recordings being captured, each with Watch live (the Recordings page's live player, here in the page). */
export function RecordingsInProgress({ recordings, total }: { recordings: RecordingInProgress[]; total: number }) {
  const [watching, setWatching] = useState<RecordingInProgress | null>(null);
  return (
    <section className="panel stack" aria-label="Recordings in progress">
      <h2 style={{ margin: 0, fontSize: 18 }}>Recordings in progress</h2>
      {watching && (
        <div className="stack" data-testid="supervisor-live-player">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <strong>{watching.title ?? "Recorded call"} · live</strong>
            <button type="button" className="button secondary" onClick={() => setWatching(null)}>
              Close player
            </button>
          </div>
          {/* Keeps playing when the recording stops: its live playlist closes and the player shows the end. */}
          <LivePlayer key={watching.id} recordingId={watching.id} />
        </div>
      )}
      {recordings.length === 0 ? (
        <p className="muted" style={{ margin: 0 }}>
          No call is being recorded.
        </p>
      ) : (
        // A list of wrapping rows rather than a table: on a phone Watch live stays in view instead of scrolled off.
        <ul data-testid="recordings-in-progress" style={{ listStyle: "none", margin: 0, padding: 0 }}>
          {recordings.map((r) => (
            <li
              key={r.id}
              data-testid="recording-in-progress"
              data-recording-id={r.id}
              className="row"
              style={{ justifyContent: "space-between", gap: 12, padding: "10px 0", borderTop: "1px solid var(--border)" }}
            >
              <div style={{ minWidth: 0 }}>
                <div>
                  {r.title ?? "Recorded call"} <span className="badge">{r.status}</span>
                </div>
                <div className="muted" style={{ fontSize: 13 }}>
                  {r.hostName} · since {formatTime(r.startedAt)} · {r.ticketId ? `ticket ${r.ticketId.slice(0, 8)}` : "no ticket"}
                </div>
              </div>
              <button type="button" className="button" onClick={() => setWatching(r)} disabled={watching?.id === r.id}>
                Watch live
              </button>
            </li>
          ))}
        </ul>
      )}
      {total > recordings.length && (
        <p className="muted" style={{ margin: 0 }}>
          {total - recordings.length} more not listed; the Recordings page has them all.
        </p>
      )}
    </section>
  );
}
