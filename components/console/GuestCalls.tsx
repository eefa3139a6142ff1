"use client";

import { useEffect, useMemo, useState } from "react";
import { CallView } from "@/components/call/CallView";
import { ChatPanel } from "@/components/chat/ChatPanel";
import { Call, MeetingPointHandle, type Desk } from "@/lib/sdk/desk";
import { useIceServers } from "@/components/call/useIceServers";
import type { InvitationNotice, MeetingPointView } from "@/lib/realtime/views";

/** Invitations from colleagues into their calls, and the calls this agent joined as a guest. */
export function GuestCalls({
  desk,
  selfId,
  selfName,
  iceServers,
}: {
  desk: Desk;
  selfId: string;
  selfName: string;
  iceServers: RTCIceServer[];
}) {
  const [invitations, setInvitations] = useState<InvitationNotice[]>([]);
  const [joined, setJoined] = useState<MeetingPointView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const offInvited = desk.on("mp:invited", (notice) =>
      setInvitations((list) => [...list.filter((i) => i.invitationId !== notice.invitationId), notice]),
    );
    const offUpdated = desk.on("mp:updated", ({ meetingPoint }) => {
      setJoined((cur) => (cur && cur.id === meetingPoint.id ? meetingPoint : cur));
      // An invitation that is no longer pending (revoked when the call ended) disappears.
      if (!meetingPoint.myInvitation) setInvitations((list) => list.filter((i) => i.meetingPointId !== meetingPoint.id));
    });
    return () => {
      offInvited();
      offUpdated();
    };
  }, [desk]);

  const handle = useMemo(() => (joined ? new MeetingPointHandle(desk, joined) : null), [desk, joined]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one signalling per meeting point: a new handle for the same meeting point must not restart it
  const signalling = useMemo(() => (handle ? new Call(desk, handle).signalling() : null), [desk, handle?.id]);
  const ice = useIceServers(desk, iceServers);

  async function answer(notice: InvitationNotice, accept: boolean) {
    setInvitations((list) => list.filter((i) => i.invitationId !== notice.invitationId));
    try {
      const mp = new MeetingPointHandle(desk, { id: notice.meetingPointId } as MeetingPointView);
      const view = accept ? await mp.accept(notice.invitationId) : await mp.decline(notice.invitationId);
      if (accept) setJoined(view);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const inCall = joined && joined.state === "live" && joined.participants.some((p) => p.userId === selfId);
  if (invitations.length === 0 && !inCall && !error) return null;
  return (
    <section className="panel stack" aria-label="Calls with colleagues">
      {error && <p className="error">{error}</p>}
      {invitations.map((notice) => (
        <div key={notice.invitationId} className="invitation" data-testid="colleague-invitation">
          <p>
            <strong>{notice.fromName}</strong> invites you to join a call. {notice.message}
          </p>
          <button type="button" className="button" onClick={() => void answer(notice, true)}>
            Join call
          </button>{" "}
          <button type="button" className="button secondary" onClick={() => void answer(notice, false)}>
            Decline
          </button>
        </div>
      ))}
      {inCall && signalling && handle && ice && (
        <>
          <h2 style={{ margin: 0 }}>
            Call with{" "}
            {joined.participants
              .filter((p) => p.userId !== selfId)
              .map((p) => p.displayName)
              .join(", ")}
          </h2>
          <CallView
            key={joined.id}
            selfId={selfId}
            selfName={selfName}
            peers={joined.participants.filter((p) => p.userId !== selfId).map((p) => ({ userId: p.userId, name: p.displayName }))}
            signalling={signalling}
            iceServers={ice}
            onLeave={() =>
              void handle
                .leave()
                .then(setJoined)
                .catch((e: Error) => setError(e.message))
            }
            recording={joined.recording}
            requestCredential={(source) => handle.publishCredential(source)}
          />
          <ChatPanel desk={desk} meetingPointId={joined.id} selfId={selfId} />
        </>
      )}
    </section>
  );
}
