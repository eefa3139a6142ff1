// Domain objects to the JSON views clients receive, shaped per recipient.
import { activeParticipants, waitingList, type MeetingPoint } from "@/lib/domain/meeting-point";
import type { Ticket } from "@/lib/domain/ticket";
import type { MeetingPointView, RecordingIndicator, TicketView } from "@/lib/realtime/views";
import { latestConsent, needsConsent } from "@/lib/domain/recording-consent";
import type { ActiveRecording } from "@/server/help-desk/meeting-point-store";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function ticketView(ticket: Ticket, position: number | null = null): TicketView {
  return {
    id: ticket.id,
    visitorUserId: `visitor:${ticket.visitorId}`,
    visitorName: ticket.visitorName,
    skill: ticket.skill,
    status: ticket.status,
    progress: ticket.progress,
    agent: ticket.agentId ? { id: ticket.agentId, name: ticket.agentName ?? "Agent" } : null,
    meetingPointId: ticket.meetingPointId,
    createdAt: ticket.createdAt.toISOString(),
    assignedAt: iso(ticket.assignedAt),
    closedAt: iso(ticket.closedAt),
    position: ticket.status === "waiting" ? position : null,
    rating: ticket.rating ? { ...ticket.rating, at: ticket.rating.at.toISOString() } : null,
  };
}

/** The running recording as `recipient` sees it: a visitor their own consent, the host everyone's. */
function recordingIndicator(recording: ActiveRecording, mp: MeetingPoint, recipient: string): RecordingIndicator {
  const indicator: RecordingIndicator = { id: recording.id, status: recording.status, startedAt: iso(recording.startedAt) };
  if (needsConsent(recipient)) indicator.myConsent = latestConsent(recording.consents, recipient)?.decision ?? null;
  if (recipient === mp.hostId) {
    const visitors = [...new Set(recording.consents.map((c) => c.userId))];
    indicator.consents = visitors.map((userId) => {
      const latest = latestConsent(recording.consents, userId)!;
      return { userId, displayName: latest.displayName, decision: latest.decision };
    });
  }
  return indicator;
}

export function meetingPointView(
  mp: MeetingPoint,
  ticketId: string | null,
  recipient: string,
  isOnline: (userId: string) => boolean,
  recording: ActiveRecording | null = null,
): MeetingPointView {
  const view: MeetingPointView = {
    id: mp.id,
    hostId: mp.hostId,
    title: mp.title,
    state: mp.state,
    createdAt: mp.createdAt.toISOString(),
    startedAt: iso(mp.startedAt),
    endedAt: iso(mp.endedAt),
    ticketId,
    participants: activeParticipants(mp).map((p) => ({
      userId: p.userId,
      displayName: p.displayName,
      role: p.role,
      joinedAt: p.joinedAt.toISOString(),
      online: isOnline(p.userId),
    })),
    recording: recording && mp.state !== "ended" ? recordingIndicator(recording, mp, recipient) : null,
  };
  if (recipient === mp.hostId) {
    view.waitList = waitingList(mp).map((e) => ({ ...e, requestedAt: e.requestedAt.toISOString() }));
    view.invitations = mp.invitations.map((i) => ({
      id: i.id,
      inviteeId: i.inviteeId,
      status: i.status,
      createdAt: i.createdAt.toISOString(),
    }));
  }
  const invitation = mp.invitations.find((i) => i.inviteeId === recipient && i.status === "pending");
  view.myInvitation = invitation ? { id: invitation.id, message: invitation.message } : null;
  const waiting = waitingList(mp);
  const index = waiting.findIndex((e) => e.userId === recipient);
  view.myWaitListEntry =
    index >= 0 ? { id: waiting[index]!.id, position: index + 1, requestedAt: waiting[index]!.requestedAt.toISOString() } : null;
  return view;
}
