"use client";

import { useCallback, useEffect, useState } from "react";
import { useDesk } from "@/components/realtime/useDesk";
import { AccessExport, AccessTrail } from "@/components/recordings/AccessTrail";
import { canAdminister, canSupervise, type Role } from "@/lib/domain/agent-account";
import type { RecordingView } from "@/lib/realtime/views";
import { RecordingPlayer } from "@/components/recordings/RecordingPlayer";
import { LIVE } from "@/components/recordings/RecordingRow";
import { RecordingRow } from "@/components/recordings/RecordingRow";
import { listRecordings, upsert } from "@/components/recordings/recordings-client";

/** A live player keeps playing through Stop and processing; a movie player needs the movie. */
const playable = (r: RecordingView, live: boolean) => (live ? LIVE.has(r.status) || r.status === "ready" : r.status === "ready");

/** The console's recordings library: every recording, newest first, live while they are processed. */
export function RecordingsConsole({ role }: { role: Role }) {
  const { desk, status } = useDesk({});
  const [recordings, setRecordings] = useState<RecordingView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState<{ recording: RecordingView; live: boolean } | null>(null);
  const [trail, setTrail] = useState<RecordingView | null>(null);

  const load = useCallback(() => {
    listRecordings({ limit: 200 }).then(
      (list) => {
        setRecordings(list);
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  // Load once at start and again on every (re)connection: pushes missed while offline are not replayed.
  useEffect(() => {
    if (status === "connected" || !desk) load();
  }, [desk, status, load]);

  useEffect(() => {
    if (!desk) return;
    return desk.on("recording:updated", ({ recording }) => {
      setRecordings((list) => upsert(list ?? [], recording));
      // A recording that stops being playable closes its player.
      setPlaying((current) => (current?.recording.id === recording.id && !playable(recording, current.live) ? null : current));
    });
  }, [desk]);

  const change = (updated: RecordingView) => {
    setRecordings((list) => upsert(list ?? [], updated));
    setPlaying((current) => (current?.recording.id === updated.id && !playable(updated, current.live) ? null : current));
  };

  return (
    <div className="stack">
      <section className="panel" aria-label="Recordings">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h1 style={{ margin: 0 }}>Recordings</h1>
          {desk && status !== "connected" && <span className="muted">Live updates {status}…</span>}
          {canAdminister(role) && <AccessExport />}
        </div>
        {error && <p className="error">{error}</p>}
        {playing && (
          <div style={{ margin: "16px 0" }}>
            <RecordingPlayer
              key={`${playing.recording.id}-${playing.live}`}
              recording={playing.recording}
              live={playing.live}
              onClose={() => setPlaying(null)}
            />
          </div>
        )}
        {trail && (
          <AccessTrail key={trail.id} recordingId={trail.id} title={trail.title ?? "Recorded call"} onClose={() => setTrail(null)} />
        )}
        <div style={{ overflowX: "auto" }}>
          <table className="list" data-testid="recordings-table">
            <thead>
              <tr>
                <th />
                <th>Title / ticket</th>
                <th>Started</th>
                <th>Duration</th>
                <th>Participants</th>
                <th>Layout</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {recordings === null && !error && (
                <tr>
                  <td colSpan={9} className="muted">
                    Loading…
                  </td>
                </tr>
              )}
              {recordings?.length === 0 && (
                <tr>
                  <td colSpan={9} className="muted">
                    No recordings yet.
                  </td>
                </tr>
              )}
              {recordings?.map((r) => (
                <RecordingRow
                  key={r.id}
                  recording={r}
                  onChange={change}
                  onPlay={(recording, live) => setPlaying({ recording, live: !!live })}
                  onShowAccess={canSupervise(role) ? setTrail : undefined}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
