"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { CallView } from "@/components/call/CallView";
import { ChatPanel } from "@/components/chat/ChatPanel";
import { useDesk } from "@/components/realtime/useDesk";
import { Call, MeetingPointHandle } from "@/lib/sdk/desk";
import { useIceServers } from "@/components/call/useIceServers";
import type { MeetingPointView, TicketView } from "@/lib/realtime/views";
import {
  clearVisitorSession,
  loadVisitorSession,
  saveRenewedToken,
  startVisitorSession,
  type VisitorSession,
} from "@/components/visitor/visitor-session";
import { VisitorIntro } from "@/components/visitor/VisitorIntro";
import { WaitingScreen } from "@/components/visitor/WaitingScreen";
import { RatingForm } from "@/components/visitor/RatingForm";
import { type ConsentText, RecordingConsent } from "@/components/visitor/RecordingConsent";

interface Props {
  skills: { name: string; label: string }[];
  iceServers: RTCIceServer[];
  /** RECORDING_CONSENT_TEXT and its hash: what the visitor is asked before anything of theirs is recorded. */
  consent: ConsentText;
}

/** The visitor's side: request help, wait in the queue, chat, answer the invitation, be in the call. */
export function VisitorApp({ skills, iceServers, consent }: Props) {
  const [session, setSession] = useState<VisitorSession | null>(null);
  const [request, setRequest] = useState<{ name?: string; skill?: string } | null>(null);
  // undefined: not known yet (connecting); null: this visitor has no open ticket.
  const [ticket, setTicket] = useState<TicketView | null | undefined>(undefined);
  const [meetingPoint, setMeetingPoint] = useState<MeetingPointView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [restored, setRestored] = useState(false);
  const { desk, status, error: connectionError } = useDesk(session ? { visitorToken: session.token, onRenewed: saveRenewedToken } : null);

  useEffect(() => {
    setSession(loadVisitorSession());
    setRestored(true);
  }, []);

  // On (re)connect: pick up the open ticket, or open the one just requested.
  useEffect(() => {
    if (!desk || status !== "connected") return;
    let alive = true;
    (async () => {
      const mine = await desk.request("ticket:mine", {});
      let current = mine.ticket;
      if (!current && request) current = (await desk.request("ticket:open", request)).ticket;
      if (!alive) return;
      setTicket(current ?? null);
      setMeetingPoint(mine.meetingPoint);
      if (current && current.status === "waiting") await desk.request("ticket:progress", { ticketId: current.id, progress: "ready" });
    })().catch((err: Error) => alive && setError(err.message));
    return () => {
      alive = false;
    };
  }, [desk, status, request]);

  useEffect(() => {
    if (!desk) return;
    const offTicket = desk.on("ticket:updated", ({ ticket: t }) => setTicket((cur) => (!cur || cur.id === t.id ? t : cur)));
    const offMp = desk.on("mp:updated", ({ meetingPoint: mp }) => setMeetingPoint((cur) => (!cur || cur.id === mp.id ? mp : cur)));
    return () => {
      offTicket();
      offMp();
    };
  }, [desk]);

  // Assigned to an agent: follow the ticket's meeting point (chat, invitation, call).
  const meetingPointId = ticket?.meetingPointId ?? null;
  useEffect(() => {
    if (!desk || !meetingPointId || meetingPoint?.id === meetingPointId) return;
    desk.request("mp:get", { meetingPointId }).then(
      ({ meetingPoint: mp }) => setMeetingPoint(mp),
      (e: Error) => setError(e.message),
    );
  }, [desk, meetingPointId, meetingPoint?.id]);

  const start = useCallback(async (input: { name?: string; skill?: string }) => {
    setRequest(input);
    setSession(await startVisitorSession(input.name));
  }, []);

  const selfId = session ? `visitor:${session.visitorId}` : "";
  const handle = useMemo(() => (desk && meetingPoint ? new MeetingPointHandle(desk, meetingPoint) : null), [desk, meetingPoint]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one Call per meeting point: a new handle for the same meeting point must not restart it
  const call = useMemo(() => (desk && handle ? new Call(desk, handle) : null), [desk, handle?.id]);
  const ice = useIceServers(desk, iceServers);
  const signalling = useMemo(() => call?.signalling() ?? null, [call]);

  const startOver = () => {
    clearVisitorSession();
    location.reload();
  };
  if (!restored) return null;
  if (error || (status === "failed" && connectionError)) {
    return (
      <div className="panel">
        <p className="error">{error ?? connectionError}</p>
        <button type="button" className="button" onClick={startOver}>
          Start over
        </button>
      </div>
    );
  }
  if (!session || ticket === null) return <VisitorIntro skills={skills} onStart={start} />;
  if (!desk || ticket === undefined) return <p className="panel muted">Connecting…</p>;
  if (ticket.status === "closed" || ticket.status === "abandoned") {
    return (
      <div className="panel" data-testid="ticket-finished">
        <h1>{ticket.status === "closed" ? "Thank you, your request is closed." : "You left the queue."}</h1>
        {ticket.assignedAt && <RatingForm desk={desk} ticket={ticket} onRated={setTicket} />}
        <button
          type="button"
          className={`button ${ticket.assignedAt && !ticket.rating ? "secondary" : ""}`}
          style={{ marginTop: 16 }}
          onClick={startOver}
        >
          Ask for help again
        </button>
      </div>
    );
  }
  if (ticket.status === "waiting") {
    return (
      <WaitingScreen
        ticket={ticket}
        onCancel={() => void desk.request("ticket:cancel", { ticketId: ticket.id }).catch((e: Error) => setError(e.message))}
      />
    );
  }

  const inCall = meetingPoint?.state === "live" && meetingPoint.participants.some((p) => p.userId === selfId);
  const invitation = meetingPoint?.myInvitation ?? null;
  const peers = inCall
    ? meetingPoint!.participants.filter((p) => p.userId !== selfId).map((p) => ({ userId: p.userId, name: p.displayName }))
    : [];
  const selfName = ticket.visitorName ?? "You";

  return (
    <div className="visitor-layout">
      <div className="panel">
        <h1>{ticket.agent?.name ?? "An agent"} is helping you</h1>
        {meetingPoint?.state === "ended" && (
          <p className="muted" data-testid="call-ended">
            The call has ended.
          </p>
        )}
        {meetingPoint && <RecordingConsent desk={desk} meetingPoint={meetingPoint} consent={consent} />}
        {invitation && handle && (
          <div className="invitation" data-testid="invitation">
            <p>
              <strong>{ticket.agent?.name ?? "The agent"}</strong> invites you to a video call.
            </p>
            {meetingPoint?.recording && (
              <p className="muted" data-testid="recording-notice">
                This call will be recorded; you are asked for your consent first.
              </p>
            )}
            <button
              type="button"
              className="button"
              onClick={() =>
                void handle
                  .accept(invitation.id)
                  .then(setMeetingPoint)
                  .catch((e: Error) => setError(e.message))
              }
            >
              Accept
            </button>{" "}
            <button
              type="button"
              className="button secondary"
              onClick={() =>
                void handle
                  .decline(invitation.id)
                  .then(setMeetingPoint)
                  .catch((e: Error) => setError(e.message))
              }
            >
              Decline
            </button>
          </div>
        )}
        {inCall && signalling && handle && ice && (
          <CallView
            key={meetingPoint!.id}
            selfId={selfId}
            selfName={selfName}
            peers={peers}
            signalling={signalling}
            iceServers={ice}
            onLeave={() =>
              void handle
                .leave()
                .then(setMeetingPoint)
                .catch((e: Error) => setError(e.message))
            }
            recording={meetingPoint!.recording}
            // Without consent nothing is published (the server would refuse the credential, the recorder the media).
            requestCredential={meetingPoint!.recording?.myConsent === "given" ? (source) => handle.publishCredential(source) : undefined}
          />
        )}
      </div>
      {meetingPoint && (
        <div className="panel">
          <h2>Chat</h2>
          <ChatPanel desk={desk} meetingPointId={meetingPoint.id} selfId={selfId} />
        </div>
      )}
    </div>
  );
}
