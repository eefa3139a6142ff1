"use client";

import { useEffect, useMemo, useState } from "react";
import { useBusyAction } from "@/components/useBusyAction";
import { CallView } from "@/components/call/CallView";
import { ChatPanel } from "@/components/chat/ChatPanel";
import { Call, MeetingPointHandle, type Desk } from "@/lib/sdk/desk";
import { useIceServers } from "@/components/call/useIceServers";
import type { MeetingPointView, TicketView } from "@/lib/realtime/views";
import { RecordingBadge } from "@/components/call/RecordingBadge";
import { ColleagueInvite } from "@/components/console/ColleagueInvite";
import { RecordingControls } from "@/components/console/RecordingControls";
import { ProgressBadge } from "@/components/console/QueuePanel";
import { TicketTimeline } from "@/components/console/TicketTimeline";
import { TransferForm } from "@/components/console/TransferForm";

/** One ticket the agent is working on: invite to video, the call, chat, end call, close. */
export function TicketPanel(props: {
  desk: Desk;
  ticket: TicketView;
  self: { id: string; name: string };
  iceServers: RTCIceServer[];
  onClosed: (ticket: TicketView) => void;
  /** The ticket went to a colleague or back to a queue. */
  onTransferred: (ticket: TicketView) => void;
}) {
  const { desk, ticket } = props;
  const selfId = `agent:${props.self.id}`;
  const [loaded, setMeetingPoint] = useState<MeetingPointView | null>(null);
  // Switching tickets must never leave the previous ticket's meeting point under the new ticket's buttons.
  const meetingPoint = loaded && loaded.id === ticket.meetingPointId ? loaded : null;
  const { busy, error, setError, act } = useBusyAction();
  const [transferring, setTransferring] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: setError comes from useBusyAction's state and never changes
  useEffect(() => {
    if (!ticket.meetingPointId) return;
    let alive = true;
    const id = ticket.meetingPointId;
    desk
      .request("mp:get", { meetingPointId: id })
      .then(({ meetingPoint: mp }) => alive && setMeetingPoint(mp))
      .catch((e: Error) => alive && setError(e.message));
    const off = desk.on("mp:updated", ({ meetingPoint: mp }) => mp.id === id && setMeetingPoint(mp));
    return () => {
      alive = false;
      off();
    };
  }, [desk, ticket.meetingPointId]);

  const handle = useMemo(() => (meetingPoint ? new MeetingPointHandle(desk, meetingPoint) : null), [desk, meetingPoint]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one signalling per meeting point: a new handle for the same meeting point must not restart it
  const signalling = useMemo(() => (handle ? new Call(desk, handle).signalling() : null), [desk, handle?.id]);
  const ice = useIceServers(desk, props.iceServers);

  const open = ticket.status === "assigned";
  const live = meetingPoint?.state === "live";
  const visitorInCall = !!meetingPoint?.participants.some((p) => p.userId === ticket.visitorUserId);
  const invitationPending = !!meetingPoint?.invitations?.some((i) => i.inviteeId === ticket.visitorUserId && i.status === "pending");
  const peers = (meetingPoint?.participants ?? [])
    .filter((p) => p.userId !== selfId)
    .map((p) => ({ userId: p.userId, name: p.displayName }));

  return (
    <section className="panel stack" aria-label="Ticket" data-testid="ticket-panel" data-meeting-point={ticket.meetingPointId ?? undefined}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <div>
          <h2 style={{ margin: 0 }} data-testid="ticket-visitor">
            {ticket.visitorName ?? "Anonymous visitor"}
          </h2>
          <span className="muted">
            {ticket.skill ?? "any topic"} · {ticket.status} · visitor <ProgressBadge progress={ticket.progress} />
          </span>
        </div>
        <div className="row">
          {open && !visitorInCall && (
            <button
              type="button"
              className="button"
              disabled={busy || invitationPending}
              onClick={() => act(() => desk.request("ticket:inviteToVideo", { ticketId: ticket.id }))}
            >
              {invitationPending ? "Invitation sent…" : "Invite to video"}
            </button>
          )}
          {live && handle && (
            <button type="button" className="button secondary" disabled={busy} onClick={() => act(() => handle.end())}>
              End call
            </button>
          )}
          {open && (
            <button type="button" className="button secondary" disabled={busy || transferring} onClick={() => setTransferring(true)}>
              Transfer…
            </button>
          )}
          {open && (
            <button
              type="button"
              className="button secondary"
              disabled={busy}
              onClick={() => act(async () => props.onClosed((await desk.request("ticket:close", { ticketId: ticket.id })).ticket))}
            >
              Close ticket
            </button>
          )}
        </div>
      </div>
      {error && <p className="error">{error}</p>}
      {open && transferring && (
        <TransferForm desk={desk} ticket={ticket} onDone={props.onTransferred} onCancel={() => setTransferring(false)} />
      )}
      {open && meetingPoint && meetingPoint.hostId === selfId && <RecordingControls desk={desk} meetingPoint={meetingPoint} />}
      {!live && meetingPoint && <RecordingBadge recording={meetingPoint.recording} />}
      {meetingPoint?.state === "ended" && (
        <p className="muted" data-testid="call-ended">
          The call has ended.
        </p>
      )}
      {live && meetingPoint && (
        <ColleagueInvite desk={desk} meetingPointId={meetingPoint.id} present={meetingPoint.participants.map((p) => p.userId)} />
      )}
      {live && signalling && ice && (
        <CallView
          key={meetingPoint!.id}
          selfId={selfId}
          selfName={props.self.name}
          peers={peers}
          signalling={signalling}
          iceServers={ice}
          onLeave={() => void act(() => handle!.end())}
          recording={meetingPoint!.recording}
          requestCredential={(source) => handle!.publishCredential(source)}
        />
      )}
      {meetingPoint && <ChatPanel desk={desk} meetingPointId={meetingPoint.id} selfId={selfId} disabled={!open} />}
      <TicketTimeline desk={desk} ticketId={ticket.id} canWrite={open} />
    </section>
  );
}
