"use client";

import { useState } from "react";
import { useBusyAction } from "@/components/useBusyAction";
import type { Desk } from "@/lib/sdk/desk";
import { MeetingPointHandle } from "@/lib/sdk/desk";
import type { MeetingPointView } from "@/lib/realtime/views";

async function setRecordingLayout(recordingId: string, layout: string): Promise<void> {
  const res = await fetch(`/api/recordings/${recordingId}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ layout }),
  });
  if (!res.ok)
    throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `layout not changed (${res.status})`);
}

/**
 * The host's recording buttons. Available before the call (the recording is armed and starts with it)
 * and during it; everyone else only sees the indicator.
 */
export function RecordingControls({ desk, meetingPoint }: { desk: Desk; meetingPoint: MeetingPointView }) {
  const { busy, error, act } = useBusyAction();
  // The movie's layout from now on; a screen share switches to the screen layout by itself.
  const [layout, setLayout] = useState("grid");
  if (meetingPoint.state === "ended") return null;
  const handle = new MeetingPointHandle(desk, meetingPoint);
  const status = meetingPoint.recording?.status ?? null;

  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form: a fieldset would bring form styling and semantics
    <div className="row" role="group" aria-label="Recording" data-testid="recording-controls">
      {status === null && (
        <button type="button" className="button secondary" disabled={busy} onClick={() => void act(() => handle.recordStart())}>
          Start recording
        </button>
      )}
      {status === "recording" && (
        <button type="button" className="button secondary" disabled={busy} onClick={() => void act(() => handle.recordPause())}>
          Pause recording
        </button>
      )}
      {status === "paused" && (
        <button type="button" className="button secondary" disabled={busy} onClick={() => void act(() => handle.recordResume())}>
          Resume recording
        </button>
      )}
      {status !== null && (
        <button type="button" className="button danger" disabled={busy} onClick={() => void act(() => handle.recordStop())}>
          Stop recording
        </button>
      )}
      {meetingPoint.recording && (
        <label className="muted">
          Layout{" "}
          <select
            aria-label="Recording layout"
            value={layout}
            disabled={busy}
            onChange={(e) => {
              const next = e.target.value;
              setLayout(next);
              void act(() => setRecordingLayout(meetingPoint.recording!.id, next));
            }}
          >
            <option value="grid">Grid</option>
            <option value="active-speaker">Active speaker</option>
            <option value="screen-share">Screen share</option>
          </select>
        </label>
      )}
      {error && <span className="error">{error}</span>}
      {meetingPoint.recording?.consents?.map((c) => (
        <span
          key={c.userId}
          className={`badge ${c.decision === "given" ? "ready" : "left"}`}
          data-testid="consent-badge"
          data-consent={c.decision}
        >
          {c.displayName}: {c.decision === "given" ? "agreed to be recorded" : "not recorded"}
        </span>
      ))}
    </div>
  );
}
