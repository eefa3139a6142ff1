// What clients receive: plain JSON (dates as ISO strings), shaped for the person receiving it.
import type { InvitationStatus, MeetingPointState, WaitListStatus } from "@/lib/domain/meeting-point";
import type { TicketStatus, VisitorProgress } from "@/lib/domain/ticket";
import type { Availability } from "@/lib/domain/availability";
import type { ConsentDecision } from "@/lib/domain/recording-consent";

export interface TicketView {
  id: string;
  visitorUserId: string;
  visitorName: string | null;
  skill: string | null;
  status: TicketStatus;
  progress: VisitorProgress;
  agent: { id: string; name: string } | null;
  meetingPointId: string | null;
  createdAt: string;
  assignedAt: string | null;
  closedAt: string | null;
  /** 1-based place among waiting tickets, for waiting tickets only. */
  position: number | null;
  /** Waiting tickets: the expected wait from now (0: any moment); null when no agent is available or unknown. */
  estimatedWaitMs?: number | null;
  /** The visitor's rating after the call. */
  rating: { value: number; comment: string | null; at: string } | null;
}

export interface AgentAvailabilityView {
  availability: Availability;
  since: string;
  /** Set Away by the server because every tab was gone; they become Available again when they come back. */
  whileGone: boolean;
}

/** A colleague a ticket can be transferred to (active and Available). */
export interface TransferTarget {
  id: string;
  name: string;
  skills: string[];
}

/** A ticket's internal history entry (agents only): a transfer with its note, or an internal note. */
export interface TicketEventView {
  id: string;
  ticketId: string;
  kind: "transferred" | "note";
  actor: { id: string; name: string };
  body: string | null;
  /** Transfers: to an agent, or back to a skill queue (skill null: any agent). */
  to: { agentId: string; name: string } | { skill: string | null } | null;
  createdAt: string;
}

export interface ParticipantView {
  userId: string;
  displayName: string;
  role: "host" | "guest";
  joinedAt: string;
  online: boolean;
}

export interface MeetingPointView {
  id: string;
  hostId: string;
  title: string | null;
  state: MeetingPointState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  ticketId: string | null;
  participants: ParticipantView[];
  /** The running recording, shown to everyone (indicator, notice to visitors); null when none. */
  recording: RecordingIndicator | null;
  /** Host only: the wait list in admission order, and every invitation. */
  waitList?: { id: string; userId: string; displayName: string; status: WaitListStatus; requestedAt: string }[];
  invitations?: { id: string; inviteeId: string; status: InvitationStatus; createdAt: string }[];
  /** For the recipient: their pending invitation and their wait-list entry, if any. */
  myInvitation?: { id: string; message: string | null } | null;
  myWaitListEntry?: { id: string; position: number; requestedAt: string } | null;
}

export interface RecordingIndicator {
  id: string;
  /** armed: starts with the call; paused: nothing is captured until resumed. */
  status: "armed" | "recording" | "paused";
  startedAt: string | null;
  /** To a visitor: their own consent to this recording (null: not asked yet); nothing of theirs is recorded without it. */
  myConsent?: ConsentDecision | null;
  /** To the host: each visitor's latest decision. */
  consents?: { userId: string; displayName: string; decision: ConsentDecision }[];
}

/** A recording as agents see it in the console and the HTTP API. */
export interface RecordingView {
  id: string;
  meetingPointId: string;
  ticketId: string | null;
  title: string | null;
  status: "armed" | "recording" | "paused" | "stopped" | "interrupted" | "processing" | "ready" | "failed" | "expired" | "deleted";
  /** Percent while processing. */
  progress: number | null;
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  /** When its movie became playable (Stop → ready is readyAt - stoppedAt). */
  readyAt: string | null;
  durationMs: number | null;
  layout: "grid" | "active-speaker" | "screen-share";
  participants: { participantId: string; displayName: string }[];
  /** Every recording-consent decision, oldest first: who, which decision, when, and the SHA-256 of the text shown. */
  consents: { userId: string; displayName: string; decision: ConsentDecision; textSha256: string; at: string }[];
  /** Short-lived presigned link to the poster image, when ready. */
  posterUrl: string | null;
  /** The movie's chapters as WebVTT (an app route, same access as the movie), when ready; 404 for a movie without. */
  chaptersUrl: string | null;
  movieBytes: number | null;
  expiresAt: string | null;
  keep: boolean;
  error: string | null;
}

export interface ChatMessageView {
  id: string;
  meetingPointId: string | null;
  ticketId: string | null;
  senderId: string;
  senderName: string;
  body: string;
  createdAt: string;
}

/** Only the server writes as "system" (people's ids are "agent:…" or "visitor:…"): a notice cannot be forged. */
export function isNotice(message: Pick<ChatMessageView, "senderId">): boolean {
  return message.senderId === "system";
}

export interface InvitationNotice {
  meetingPointId: string;
  invitationId: string;
  ticketId: string | null;
  fromName: string;
  message: string | null;
}
