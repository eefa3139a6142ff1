// Wires the help-desk application services; used by the composition root and by integration tests.
import type { PrismaClient } from "@/server/platform/database/generated/client";
import { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import { TicketStore } from "@/server/help-desk/ticket-store";
import { EventHub } from "@/server/platform/event-hub";
import type { Logger } from "@/server/platform/logger";
import { HelpDeskService } from "@/server/help-desk/help-desk-service";
import { AgentAvailability } from "@/server/help-desk/agent-availability";
import { TicketHandling } from "@/server/help-desk/ticket-handling";
import { MeetingPointService } from "@/server/help-desk/meeting-point-service";
import type { Notifier } from "@/server/help-desk/notifier";
import { Presence } from "@/server/help-desk/presence";
import { DeskFiguresStore } from "@/server/help-desk/desk-figures-store";
import { SupervisorView } from "@/server/help-desk/supervisor-view";
import { QueueBroadcast } from "@/server/help-desk/queue-broadcast";
import { RecordingService, type RecordingServiceOptions } from "@/server/recordings/recording-control";
import { RecordingStore } from "@/server/recordings/recording-store";
import { ConsentControl } from "@/server/recordings/consent-control";
import { RecordingConsents } from "@/server/recordings/recording-consents";
import { DEFAULT_CONSENT_TEXT } from "@/lib/domain/recording-consent";

export interface HelpDesk {
  helpDesk: HelpDeskService;
  consent: ConsentControl;
  ticketHandling: TicketHandling;
  meetingPoints: MeetingPointService;
  presence: Presence;
  notifier: Notifier;
  recordings: RecordingService;
  supervisorView: SupervisorView;
  close(): void;
}

export interface HelpDeskOptions {
  prisma: PrismaClient;
  notifier: Notifier;
  graceMs: number;
  logger: Logger;
  /** Queue changes within this window are broadcast once (default 100 ms). */
  queueBroadcastMs?: number;
  /** Recording control; `announce` is wired here (state to everyone, a notice in the ticket's history). */
  recording: Omit<RecordingServiceOptions, "announce">;
}

export function createHelpDesk(opts: HelpDeskOptions): HelpDesk {
  const tickets = new TicketStore(opts.prisma);
  const meetingPointStore = new MeetingPointStore(opts.prisma);
  // Presence and the services that handle a departure need each other: presence reports departures into
  // this hub, and their handler is subscribed below, before this function returns (nobody can join before).
  const departures = new EventHub<{ gone: [userId: string] }>();
  const presence = new Presence({
    graceMs: opts.graceMs,
    onGone: (userId) =>
      void departures.emit("gone", userId).catch((err) => opts.logger.error({ err, userId }, "handling a departure failed")),
  });
  const meetingPoints = new MeetingPointService(meetingPointStore, tickets, presence, opts.notifier);
  const availability = new AgentAvailability(opts.prisma);
  const queueBroadcast = new QueueBroadcast(tickets, opts.notifier, {
    windowMs: opts.queueBroadcastMs ?? 100,
    capacity: () => availability.capacity(),
    onError: (err) => opts.logger.error({ err }, "broadcasting the queue failed"),
  });
  const helpDesk = new HelpDeskService(
    tickets,
    meetingPointStore,
    meetingPoints,
    opts.notifier,
    (u) => presence.isOnline(u),
    queueBroadcast,
    availability,
  );
  const ticketHandling = new TicketHandling(tickets, availability, helpDesk, meetingPoints, opts.notifier, queueBroadcast);

  departures.on("gone", async (userId) => {
    const [kind, id] = userId.split(":") as [string, string];
    // A visitor who is gone leaves its queue place and its calls; an agent's meeting points stay open
    // (a host's meeting point ends only when the host ends it or closes the ticket).
    if (kind === "visitor") {
      await helpDesk.visitorGone(id);
      for (const mpId of await meetingPointStore.findOpenFor(userId)) {
        await meetingPoints.run({ kind: "visitor", id }, mpId, { type: "leave" }).catch(() => {});
      }
    }
    // An agent with no tab left is Away until they come back (socket connection: helpDesk.agentArrived).
    if (kind === "agent") await helpDesk.agentGone(id);
    await meetingPoints.announcePresenceOf(userId);
  });

  const announce = async (meetingPointId: string, notice: string) => {
    await meetingPoints.announceState(meetingPointId);
    await meetingPoints.postNotice(meetingPointId, notice);
  };
  const recordingStore = new RecordingStore(opts.prisma);
  const consent = new ConsentControl(new RecordingConsents(opts.prisma), recordingStore, meetingPointStore, {
    text: opts.recording.consentText ?? DEFAULT_CONSENT_TEXT,
    recordConsent: opts.recording.recordConsent,
    announce,
  });
  const recordings = new RecordingService(recordingStore, meetingPointStore, {
    ...opts.recording,
    announce,
    mayPublish: (recordingId, userId) => consent.mayPublish(recordingId, userId),
  });
  const log = (what: string) => (err: unknown) => opts.logger.error({ err }, what);
  meetingPoints.onLive((id) => recordings.callStarted(id).catch(log("starting an armed recording failed")));
  meetingPoints.onEnded((id) => recordings.meetingEnded(id).catch(log("stopping the recording of an ended meeting point failed")));

  const close = () => {
    presence.close();
    queueBroadcast.close();
  };
  const supervisorView = new SupervisorView(new DeskFiguresStore(opts.prisma));
  return { helpDesk, consent, ticketHandling, meetingPoints, presence, notifier: opts.notifier, recordings, supervisorView, close };
}
