// One handler per request event: each only calls the application services. The map's type makes
// the compiler insist that every declared event has a handler.
import { userIdOf, type Identity } from "@/lib/realtime/identity";
import type { Replies, RequestName, RequestPayload } from "@/lib/realtime/protocol";
import type { HelpDeskService } from "@/server/help-desk/help-desk-service";
import type { TicketHandling } from "@/server/help-desk/ticket-handling";
import type { MeetingPointService } from "@/server/help-desk/meeting-point-service";
import type { SupervisorView } from "@/server/help-desk/supervisor-view";
import type { Notifier } from "@/server/help-desk/notifier";
import type { RecordingService } from "@/server/recordings/recording-control";
import type { ConsentControl } from "@/server/recordings/consent-control";
import type { VisitorTokens } from "@/server/platform/auth/visitor-token";
import type { IssuedIceServers } from "@/server/platform/auth/turn-credentials";
import type { Recording } from "@/lib/domain/recording";
import type { RecordingIndicator } from "@/lib/realtime/views";

export interface RealtimeServices {
  visitorTokens: VisitorTokens;
  helpDesk: HelpDeskService;
  ticketHandling: TicketHandling;
  meetingPoints: MeetingPointService;
  notifier: Notifier;
  recordings: RecordingService;
  consent: ConsentControl;
  supervisorView: SupervisorView;
  /** ICE servers for one user (a fresh TURN credential when TURN is configured). */
  iceServers: (userId: string) => IssuedIceServers;
}

function indicator(r: Recording): RecordingIndicator {
  if (r.status !== "armed" && r.status !== "recording" && r.status !== "paused") throw new Error(`not an active recording: ${r.status}`);
  return { id: r.id, status: r.status, startedAt: r.startedAt ? r.startedAt.toISOString() : null };
}

export type RequestHandler<E extends RequestName> = (who: Identity, payload: RequestPayload<E>) => Promise<Replies[E]>;
export type RequestHandlers = { [E in RequestName]: RequestHandler<E> };

export function requestHandlers({
  visitorTokens,
  helpDesk,
  ticketHandling,
  meetingPoints,
  notifier,
  recordings,
  consent,
  supervisorView,
  iceServers,
}: RealtimeServices): RequestHandlers {
  const mp = (who: Identity, id: string, command: Parameters<MeetingPointService["run"]>[2]) =>
    meetingPoints.run(who, id, command).then((meetingPoint) => ({ meetingPoint }));
  return {
    "session:whoami": async (who) => ({ identity: who }),
    "session:renew": async (who) => {
      if (who.kind !== "visitor") return { visitorToken: null, expiresAt: null };
      const { token, claims } = visitorTokens.issue({ visitorId: who.id, name: who.name });
      return { visitorToken: token, expiresAt: new Date(claims.exp * 1000).toISOString() };
    },

    "ticket:open": async (who, p) => ({ ticket: await helpDesk.open(who, p) }),
    "ticket:mine": (who) => helpDesk.mine(who),
    "ticket:progress": async (who, p) => ({ ticket: await helpDesk.reportProgress(who, p.ticketId, p.progress) }),
    "ticket:cancel": async (who, p) => ({ ticket: await helpDesk.cancel(who, p.ticketId) }),
    "ticket:get": (who, p) => helpDesk.get(who, p.ticketId),
    "ticket:close": async (who, p) => ({ ticket: await helpDesk.close(who, p.ticketId) }),
    "ticket:inviteToVideo": (who, p) => helpDesk.inviteToVideo(who, p.ticketId),
    "ticket:transferTargets": (who) => ticketHandling.transferTargets(who),
    "ticket:transfer": async (who, p) => ({ ticket: await ticketHandling.transfer(who, p.ticketId, p.to, p.note || null) }),
    "ticket:note": async (who, p) => ({ event: await ticketHandling.addNote(who, p.ticketId, p.body) }),
    "ticket:timeline": async (who, p) => ({ events: await ticketHandling.timeline(who, p.ticketId) }),
    "ticket:rate": async (who, p) => ({ ticket: await ticketHandling.rate(who, p.ticketId, p.rating, p.comment || null) }),
    "availability:get": async (who) => ({ availability: await helpDesk.myAvailability(who) }),
    "availability:set": async (who, p) => ({ availability: await helpDesk.setAvailability(who, p.availability) }),
    "queue:list": async (who) => ({ tickets: await helpDesk.queue(who) }),
    "queue:takeNext": (who) => helpDesk.takeNext(who),
    "queue:mine": async (who) => ({ tickets: await helpDesk.assigned(who) }),
    "history:list": async (who, p) => ({ tickets: await helpDesk.history(who, p.limit) }),
    "agents:list": async (who) => ({ agents: await helpDesk.colleagues(who) }),
    "supervisor:figures": async (who) => ({ figures: await supervisorView.figures(who) }),

    "mp:create": async (who, p) => {
      const created = await meetingPoints.create(who, p.title ?? null);
      return { meetingPoint: await meetingPoints.get(who, created.id) };
    },
    "mp:get": async (who, p) => ({ meetingPoint: await meetingPoints.get(who, p.meetingPointId) }),
    "mp:invite": (who, p) => mp(who, p.meetingPointId, { type: "invite", inviteeId: p.inviteeId, message: p.message }),
    "mp:requestJoin": (who, p) => mp(who, p.meetingPointId, { type: "requestJoin" }),
    "mp:admit": (who, p) => mp(who, p.meetingPointId, { type: "admit", entryId: p.entryId }),
    "mp:deny": (who, p) => mp(who, p.meetingPointId, { type: "deny", entryId: p.entryId }),
    "mp:remove": (who, p) => mp(who, p.meetingPointId, { type: "remove", userId: p.userId }),
    "mp:accept": (who, p) => mp(who, p.meetingPointId, { type: "accept", invitationId: p.invitationId }),
    "mp:decline": (who, p) => mp(who, p.meetingPointId, { type: "decline", invitationId: p.invitationId }),
    "mp:host": (who, p) => mp(who, p.meetingPointId, { type: "host" }),
    "mp:leave": (who, p) => mp(who, p.meetingPointId, { type: "leave" }),
    "mp:end": (who, p) => mp(who, p.meetingPointId, { type: "end" }),

    "chat:send": async (who, p) => ({ message: await meetingPoints.sendChat(who, p.meetingPointId, p.body) }),
    "chat:history": async (who, p) => ({ messages: await meetingPoints.chatHistory(who, p.meetingPointId) }),

    "rtc:iceServers": async (who) => iceServers(userIdOf(who)),
    "rtc:signal": async (who, p) => {
      const from = await meetingPoints.assertCanSignal(who, p.meetingPointId, p.to);
      notifier.toUser(p.to, "rtc:signal", { meetingPointId: p.meetingPointId, from, message: p.message });
      return {};
    },

    "recording:start": async (who, p) => ({ recording: indicator(await recordings.start(who, p.meetingPointId, p.destination)) }),
    "recording:stop": async (who, p) => {
      const r = await recordings.stop(who, p.meetingPointId);
      return { recording: { id: r.id, status: r.status } };
    },
    "recording:pause": async (who, p) => ({ recording: indicator(await recordings.control(who, p.meetingPointId, "pause")) }),
    "recording:resume": async (who, p) => ({ recording: indicator(await recordings.control(who, p.meetingPointId, "resume")) }),
    "recording:publish": (who, p) => recordings.publisher(who, p.meetingPointId, { source: p.source }),
    "recording:consent": async (who, p) => ({ consent: await consent.decide(who, p.meetingPointId, p.decision, p.textSha256) }),
  };
}
