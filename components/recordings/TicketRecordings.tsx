"use client";

import { useEffect, useState } from "react";
import type { Desk } from "@/lib/sdk/desk";
import type { RecordingView } from "@/lib/realtime/views";
import { RecordingPlayer } from "@/components/recordings/RecordingPlayer";
import { RecordingStatus } from "@/components/recordings/RecordingStatus";
import { LIVE } from "@/components/recordings/RecordingRow";
import { downloadUrl, formatDuration, formatTime, listRecordings, upsert } from "@/components/recordings/recordings-client";

/** A ticket's recordings in its history details: status, duration, Play and Download. */
export function TicketRecordings({ desk, ticketId }: { desk: Desk; ticketId: string }) {
  const [recordings, setRecordings] = useState<RecordingView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState<{ recording: RecordingView; live: boolean } | null>(null);

  useEffect(() => {
    let current = true;
    setRecordings(null);
    setError(null);
    setPlaying(null);
    listRecordings({ ticketId, limit: 50 }).then(
      (list) => current && setRecordings(list),
      (e: Error) => current && setError(e.message),
    );
    const off = desk.on("recording:updated", ({ recording }) => {
      if (recording.ticketId === ticketId) setRecordings((list) => upsert(list ?? [], recording));
    });
    return () => {
      current = false;
      off();
    };
  }, [desk, ticketId]);

  return (
    <div data-testid="ticket-recordings">
      <h4 style={{ marginBottom: 8 }}>Recordings</h4>
      {error && <p className="error">{error}</p>}
      {recordings === null && !error && <p className="muted">Loading…</p>}
      {recordings?.length === 0 && <p className="muted">This ticket has no recordings.</p>}
      {recordings && recordings.length > 0 && (
        <ul style={{ listStyle: "none", padding: 0, margin: 0 }} className="stack">
          {recordings.map((r) => (
            <li key={r.id} className="row" data-testid="ticket-recording" data-recording-id={r.id} data-status={r.status}>
              <span>{formatTime(r.startedAt ?? r.createdAt)}</span>
              <span data-testid="recording-duration">{formatDuration(r.durationMs)}</span>
              <RecordingStatus recording={r} />
              {LIVE.has(r.status) && (
                <button type="button" className="button" onClick={() => setPlaying({ recording: r, live: true })}>
                  Watch live
                </button>
              )}
              {r.status === "ready" && (
                <>
                  <button type="button" className="button" onClick={() => setPlaying({ recording: r, live: false })}>
                    Play
                  </button>
                  <a className="button secondary" href={downloadUrl(r.id)} download>
                    Download
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {playing && (
        <div style={{ marginTop: 12 }}>
          <RecordingPlayer recording={playing.recording} live={playing.live} onClose={() => setPlaying(null)} />
        </div>
      )}
    </div>
  );
}
