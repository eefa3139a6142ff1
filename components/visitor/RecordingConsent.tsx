"use client";

import { useBusyAction } from "@/components/useBusyAction";
import type { ConsentDecision } from "@/lib/domain/recording-consent";
import type { MeetingPointView } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

export interface ConsentText {
  text: string;
  /** SHA-256 of `text`, sent back with the decision so the server stores which text was answered. */
  textSha256: string;
}

/**
 * The visitor's recording consent: asked as soon as a recording of their meeting point exists (before the call
 * when it is armed), with the deployment's text. Nothing of the visitor is recorded until they agree; they can
 * decline and stay in the call, and withdraw at any time.
 */
export function RecordingConsent({ desk, meetingPoint, consent }: { desk: Desk; meetingPoint: MeetingPointView; consent: ConsentText }) {
  const { busy, error, act } = useBusyAction();
  const recording = meetingPoint.recording;
  if (!recording || meetingPoint.state === "ended") return null;
  const decide = (decision: ConsentDecision) =>
    void act(() => desk.request("recording:consent", { meetingPointId: meetingPoint.id, decision, textSha256: consent.textSha256 }));
  const mine = recording.myConsent ?? null;

  if (mine === "given") {
    return (
      <p className="row muted" data-testid="recording-consent" data-consent="given">
        <span>
          <span className="dot recording" aria-hidden="true" /> You agreed to be recorded.
        </span>
        <button type="button" className="button secondary small" disabled={busy} onClick={() => decide("withdrawn")}>
          Withdraw consent
        </button>
        {error && <span className="error">{error}</span>}
      </p>
    );
  }
  if (mine === "declined" || mine === "withdrawn") {
    return (
      <p className="row muted" data-testid="recording-consent" data-consent={mine}>
        <span>You are not being recorded: nothing of your camera, microphone or screen goes into the recording.</span>
        <button type="button" className="button secondary small" disabled={busy} onClick={() => decide("given")}>
          Agree to be recorded
        </button>
        {error && <span className="error">{error}</span>}
      </p>
    );
  }
  return (
    <section
      className="invitation stack"
      aria-label="Recording consent"
      data-testid="recording-consent"
      data-consent="asked"
      style={{ gap: 8 }}
    >
      <strong>{recording.status === "armed" ? "This call will be recorded." : "This call is being recorded."} Do you agree?</strong>
      <p style={{ margin: 0 }} data-testid="consent-text">
        {consent.text}
      </p>
      <p className="muted" style={{ margin: 0 }}>
        Until you agree, nothing of you is recorded. If you say no, the call goes on without recording you.
      </p>
      <div className="row">
        <button type="button" className="button" disabled={busy} onClick={() => decide("given")}>
          I agree to be recorded
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={() => decide("declined")}>
          Don't record me
        </button>
      </div>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
