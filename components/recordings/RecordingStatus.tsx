"use client";

import type { RecordingView } from "@/lib/realtime/views";

/**
 * The status word; a progress bar while the movie is being made; the reason when it failed, or when a ready
 * recording's movie could not be made again with a new layout (the earlier movie is kept).
 */
export function RecordingStatus({ recording }: { recording: RecordingView }) {
  const { status, progress, error } = recording;
  return (
    <span className="stack" style={{ gap: 4 }}>
      <span className="badge" data-testid="recording-status">
        {status}
        {status === "processing" && progress !== null ? ` ${Math.round(progress)}%` : ""}
      </span>
      {status === "processing" && (
        // No value while the percentage is unknown: an indeterminate bar.
        <progress data-testid="recording-progress" max={100} value={progress ?? undefined} aria-label="Processing" style={{ width: 120 }} />
      )}
      {(status === "failed" || status === "ready") && error && (
        // Ready with a reason: the movie plays, a later layout could not be applied. A notice, not an alarm.
        <span className={status === "ready" ? "notice" : "error"} data-testid="recording-error" style={{ margin: 0 }}>
          {error}
        </span>
      )}
    </span>
  );
}
