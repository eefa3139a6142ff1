// The Socket.IO protocol, declared once: each request event has a zod schema for its payload and a
// reply type; the typed maps are shared by the server, the SDK and the pages.
import { z } from "zod";
import type { SignalMessage } from "@/lib/rtc/signalling";
import type { Ack } from "@/lib/realtime/ack";
import { isReservedName, RESERVED_NAME_MESSAGE } from "@/lib/domain/display-name";
import type { Identity } from "@/lib/realtime/identity";
import { AVAILABILITIES } from "@/lib/domain/availability";
import { CONSENT_DECISIONS, type ConsentDecision } from "@/lib/domain/recording-consent";
import type { DeskFigures } from "@/lib/domain/desk-figures";
import { RATING_COMMENT_MAX, RATING_MAX, RATING_MIN } from "@/lib/domain/ticket";
import type {
  AgentAvailabilityView,
  TicketEventView,
  TransferTarget,
  ChatMessageView,
  InvitationNotice,
  MeetingPointView,
  RecordingIndicator,
  RecordingView,
  TicketView,
} from "@/lib/realtime/views";

const id = z.string().uuid();
const userId = z.string().regex(/^(agent|visitor):[0-9a-f-]{36}$/, "must be agent:<uuid> or visitor:<uuid>");
const name = z.string().trim().min(1).max(80);
const visitorName = name.refine((value) => !isReservedName(value), RESERVED_NAME_MESSAGE);
const mp = { meetingPointId: id };

// Identifies the sender's page load, so a peer can tell a reloaded user from late messages of the old page.
const session = z.string().max(64).optional();

const signalMessage = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("description"),
    description: z.object({ type: z.enum(["offer", "answer", "pranswer", "rollback"]), sdp: z.string().max(60_000).optional() }),
    session,
  }),
  z.object({
    type: z.literal("candidate"),
    candidate: z
      .object({
        candidate: z.string().max(2000).optional(),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).max(1000).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .nullable(),
    session,
  }),
  z.object({
    type: z.literal("media"),
    screenStreamId: z.string().max(128).nullable(),
    audioEnabled: z.boolean(),
    videoEnabled: z.boolean(),
    session,
  }),
]);

/** Request payload schemas, one per client-to-server event. Unknown keys are refused. */
export const requests = {
  "session:whoami": z.object({}).strict(),
  /** A visitor's fresh token (same identity) before the connection's credential expires; agents renew by cookie. */
  "session:renew": z.object({}).strict(),
  "ticket:open": z.object({ name: visitorName.optional(), skill: z.string().max(40).optional() }).strict(),
  "ticket:mine": z.object({}).strict(),
  "ticket:progress": z.object({ ticketId: id, progress: z.enum(["initializing", "ready"]) }).strict(),
  "ticket:cancel": z.object({ ticketId: id }).strict(),
  "ticket:get": z.object({ ticketId: id }).strict(),
  "ticket:close": z.object({ ticketId: id }).strict(),
  "ticket:inviteToVideo": z.object({ ticketId: id }).strict(),
  "ticket:transferTargets": z.object({}).strict(),
  "ticket:transfer": z
    .object({
      ticketId: id,
      to: z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("agent"), agentId: id }).strict(),
        z.object({ kind: z.literal("queue"), skill: z.string().max(40).nullable() }).strict(),
      ]),
      note: z.string().trim().max(1000).optional(),
    })
    .strict(),
  "ticket:note": z.object({ ticketId: id, body: z.string().trim().min(1).max(4000) }).strict(),
  "ticket:timeline": z.object({ ticketId: id }).strict(),
  "ticket:rate": z
    .object({
      ticketId: id,
      rating: z.number().int().min(RATING_MIN).max(RATING_MAX),
      comment: z.string().trim().max(RATING_COMMENT_MAX).optional(),
    })
    .strict(),
  "availability:get": z.object({}).strict(),
  "availability:set": z.object({ availability: z.enum(AVAILABILITIES) }).strict(),
  "queue:list": z.object({}).strict(),
  "queue:takeNext": z.object({}).strict(),
  "queue:mine": z.object({}).strict(),
  "agents:list": z.object({}).strict(),
  "history:list": z.object({ limit: z.number().int().min(1).max(100).optional() }).strict(),
  /** Supervisors and admins: the desk's figures now (later changes are pushed as "supervisor:figures"). */
  "supervisor:figures": z.object({}).strict(),
  "mp:create": z.object({ title: z.string().trim().max(120).optional() }).strict(),
  "mp:get": z.object(mp).strict(),
  "mp:invite": z.object({ ...mp, inviteeId: userId, message: z.string().max(500).optional() }).strict(),
  "mp:requestJoin": z.object(mp).strict(),
  "mp:admit": z.object({ ...mp, entryId: id }).strict(),
  "mp:deny": z.object({ ...mp, entryId: id }).strict(),
  "mp:remove": z.object({ ...mp, userId }).strict(),
  "mp:accept": z.object({ ...mp, invitationId: id }).strict(),
  "mp:decline": z.object({ ...mp, invitationId: id }).strict(),
  "mp:host": z.object(mp).strict(),
  "mp:leave": z.object(mp).strict(),
  "mp:end": z.object(mp).strict(),
  "chat:send": z.object({ ...mp, body: z.string().trim().min(1).max(2000) }).strict(),
  "chat:history": z.object(mp).strict(),
  "rtc:signal": z.object({ ...mp, to: userId, message: signalMessage }).strict(),
  "rtc:iceServers": z.object({}).strict(),
  "recording:start": z.object({ ...mp, destination: z.string().trim().min(1).max(500).optional() }).strict(),
  "recording:stop": z.object(mp).strict(),
  "recording:pause": z.object(mp).strict(),
  "recording:resume": z.object(mp).strict(),
  "recording:publish": z.object({ ...mp, source: z.enum(["camera", "screen"]) }).strict(),
  /** A visitor's answer to the consent text (`textSha256`: the hash they were given with it). */
  "recording:consent": z
    .object({
      ...mp,
      decision: z.enum(CONSENT_DECISIONS),
      textSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256"),
    })
    .strict(),
} as const;

export type RequestName = keyof typeof requests;
export type RequestPayload<E extends RequestName> = z.infer<(typeof requests)[E]>;

/** What each request answers on success (inside `{ ok: true, ... }`). */
export interface Replies {
  "session:whoami": { identity: Identity };
  "session:renew": { visitorToken: string | null; expiresAt: string | null };
  "ticket:open": { ticket: TicketView };
  "ticket:mine": { ticket: TicketView | null; meetingPoint: MeetingPointView | null };
  "ticket:progress": { ticket: TicketView };
  "ticket:cancel": { ticket: TicketView };
  "ticket:get": { ticket: TicketView; messages: ChatMessageView[] };
  "ticket:close": { ticket: TicketView };
  "ticket:inviteToVideo": { ticket: TicketView; meetingPoint: MeetingPointView };
  "ticket:transferTargets": { agents: TransferTarget[]; skills: string[] };
  "ticket:transfer": { ticket: TicketView };
  "ticket:note": { event: TicketEventView };
  "ticket:timeline": { events: TicketEventView[] };
  "ticket:rate": { ticket: TicketView };
  "availability:get": { availability: AgentAvailabilityView };
  "availability:set": { availability: AgentAvailabilityView };
  "queue:list": { tickets: TicketView[] };
  "queue:takeNext": { ticket: TicketView | null; meetingPoint: MeetingPointView | null };
  "queue:mine": { tickets: TicketView[] };
  "history:list": { tickets: TicketView[] };
  "agents:list": { agents: { userId: string; name: string; online: boolean }[] };
  "supervisor:figures": { figures: DeskFigures };
  "mp:create": { meetingPoint: MeetingPointView };
  "mp:get": { meetingPoint: MeetingPointView };
  "mp:invite": { meetingPoint: MeetingPointView };
  "mp:requestJoin": { meetingPoint: MeetingPointView };
  "mp:admit": { meetingPoint: MeetingPointView };
  "mp:deny": { meetingPoint: MeetingPointView };
  "mp:remove": { meetingPoint: MeetingPointView };
  "mp:accept": { meetingPoint: MeetingPointView };
  "mp:decline": { meetingPoint: MeetingPointView };
  "mp:host": { meetingPoint: MeetingPointView };
  "mp:leave": { meetingPoint: MeetingPointView };
  "mp:end": { meetingPoint: MeetingPointView };
  "chat:send": { message: ChatMessageView };
  "chat:history": { messages: ChatMessageView[] };
  "rtc:signal": object;
  /** STUN and, with TURN configured, a TURN credential of this user's own that expires at `expiresAt`. */
  "rtc:iceServers": { iceServers: { urls: string | string[]; username?: string; credential?: string }[]; expiresAt: string | null };
  "recording:start": { recording: RecordingIndicator };
  "recording:stop": { recording: { id: string; status: string } };
  "recording:pause": { recording: RecordingIndicator };
  "recording:resume": { recording: RecordingIndicator };
  /** A short-lived WHIP credential to publish one's own camera or screen into the running recording. */
  "recording:publish": { recordingId: string; whipUrl: string; token: string; expiresAt: string };
  "recording:consent": { consent: { decision: ConsentDecision; at: string } };
}

export type ClientToServerEvents = {
  [E in RequestName]: (payload: RequestPayload<E>, ack: (reply: Ack<Replies[E]>) => void) => void;
};

/** Pushed by the server to the people concerned. */
export interface ServerToClientEvents {
  "queue:updated": (payload: { tickets: TicketView[] }) => void;
  "ticket:updated": (payload: { ticket: TicketView }) => void;
  "mp:updated": (payload: { meetingPoint: MeetingPointView }) => void;
  "mp:invited": (payload: InvitationNotice) => void;
  "chat:message": (payload: { message: ChatMessageView }) => void;
  "rtc:signal": (payload: { meetingPointId: string; from: string; message: SignalMessage }) => void;
  /** To agents: a recording's status or processing progress changed. */
  "recording:updated": (payload: { recording: RecordingView }) => void;
  /** To the agent, on every tab: their availability changed (by them, or Away/back by presence). */
  "availability:updated": (payload: { availability: AgentAvailabilityView }) => void;
  /** To the ticket's agents (never its visitor): a transfer or an internal note. */
  "ticket:event": (payload: { event: TicketEventView }) => void;
  /** To supervisors and admins: the desk's figures, when a reading (every 2 s) differs from the last one pushed. */
  "supervisor:figures": (payload: { figures: DeskFigures }) => void;
  /** To an agent whose session was ended (deactivated, password reset); the server closes the socket next. */
  "session:ended": (payload: { message: string }) => void;
}
