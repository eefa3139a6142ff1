"use client";

import type { RecordingIndicator } from "@/lib/realtime/views";
import type { PublishState } from "@/components/call/useRecordingPublisher";
import styles from "@/components/call/call.module.css";

/** What everyone in the call sees about its recording; visitors see it before any media is captured. */
export function RecordingBadge({ recording, publishing }: { recording: RecordingIndicator | null; publishing?: PublishState }) {
  if (!recording) return null;
  const text =
    recording.status === "recording"
      ? "Recording: this call is being recorded"
      : recording.status === "paused"
        ? "Recording paused"
        : "This call will be recorded when it starts";
  return (
    <p
      className={styles.recording}
      role="status"
      data-testid="recording-indicator"
      data-status={recording.status}
      data-publishing={publishing}
    >
      <span className={styles.recDot} data-live={recording.status === "recording"} aria-hidden />
      {text}
      {recording.status === "recording" && publishing === "failed" && " (your media is not reaching the recorder; retrying)"}
    </p>
  );
}
