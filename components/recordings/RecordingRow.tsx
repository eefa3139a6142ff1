"use client";

import { useBusyAction } from "@/components/useBusyAction";
import type { RecordingView } from "@/lib/realtime/views";
import { RecordingStatus } from "@/components/recordings/RecordingStatus";
import { deleteRecording, downloadUrl, formatDuration, formatTime, updateRecording } from "@/components/recordings/recordings-client";

// Still capturing or being made into a movie: the server refuses to delete those.
const BUSY = new Set<RecordingView["status"]>(["armed", "recording", "paused", "processing"]);
const GONE = new Set<RecordingView["status"]>(["deleted", "expired"]);
/** Being captured or finishing: its live output can be watched. */
export const LIVE = new Set<RecordingView["status"]>(["recording", "paused", "stopped", "processing"]);

/** One recording in the console's table, with its actions. */
export function RecordingRow({
  recording,
  onChange,
  onPlay,
  onShowAccess,
}: {
  recording: RecordingView;
  onChange: (updated: RecordingView) => void;
  onPlay: (recording: RecordingView, live?: boolean) => void;
  /** Supervisors and admins: open the recording's access log. */
  onShowAccess?: (recording: RecordingView) => void;
}) {
  const { busy, error, act: run } = useBusyAction();
  const r = recording;
  const act = (work: () => Promise<RecordingView>) => run(async () => onChange(await work()));

  const remove = () => {
    if (!window.confirm(`Delete the recording "${r.title ?? "Recorded call"}"? The movie cannot be recovered.`)) return;
    void act(() => deleteRecording(r.id));
  };

  return (
    <tr data-testid="recording-row" data-recording-id={r.id} data-status={r.status}>
      <td style={{ width: 112 }}>
        {r.posterUrl ? (
          // biome-ignore lint/performance/noImgElement: a presigned link on another origin, shown as is
          <img src={r.posterUrl} alt="" width={96} height={54} style={{ objectFit: "cover", borderRadius: 4, background: "#000" }} />
        ) : (
          <span className="muted">no poster</span>
        )}
      </td>
      <td>
        <div>{r.title ?? "Recorded call"}</div>
        <div className="muted" style={{ fontSize: 12 }}>
          {r.ticketId ? `ticket ${r.ticketId.slice(0, 8)}` : "no ticket"}
        </div>
      </td>
      <td>{formatTime(r.startedAt ?? r.createdAt)}</td>
      <td data-testid="recording-duration">{formatDuration(r.durationMs)}</td>
      <td>{r.participants.map((p) => p.displayName).join(", ") || "–"}</td>
      <td>{r.layout}</td>
      <td>
        <RecordingStatus recording={r} />
      </td>
      <td>{GONE.has(r.status) ? "–" : r.keep ? "kept" : r.expiresAt ? formatTime(r.expiresAt) : "–"}</td>
      <td>
        <div className="row">
          {LIVE.has(r.status) && (
            <button type="button" className="button" onClick={() => onPlay(r, true)}>
              Watch live
            </button>
          )}
          {r.status === "ready" && (
            <>
              <button type="button" className="button" disabled={busy} onClick={() => onPlay(r)}>
                Play
              </button>
              <a className="button secondary" href={downloadUrl(r.id)} download>
                Download
              </a>
            </>
          )}
          {!GONE.has(r.status) && (
            <button
              type="button"
              className="button secondary"
              disabled={busy}
              onClick={() => void act(() => updateRecording(r.id, { keep: !r.keep }))}
            >
              {r.keep ? "Don't keep" : "Keep"}
            </button>
          )}
          {onShowAccess && (
            <button type="button" className="button secondary" onClick={() => onShowAccess(r)}>
              Access log
            </button>
          )}
          {!GONE.has(r.status) && !BUSY.has(r.status) && (
            <button type="button" className="button danger" disabled={busy} onClick={remove}>
              Delete
            </button>
          )}
        </div>
        {error && (
          <p className="error" style={{ margin: "4px 0 0" }}>
            {error}
          </p>
        )}
      </td>
    </tr>
  );
}
