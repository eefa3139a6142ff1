// Application service for meeting points: authorizes, runs the domain rules under a row lock,
// persists the changes, then tells everyone concerned. Knows nothing of Socket.IO.
import { randomUUID } from "node:crypto";
import {
  applyChanges,
  chatReaders,
  concernedUsers,
  decide,
  isActiveParticipant,
  newMeetingPoint,
  mayReadChat,
  type Actor,
  type Change,
  type Command,
  type MeetingPoint,
} from "@/lib/domain/meeting-point";
import { badRequest, forbidden, notFound } from "@/lib/domain/result";
import { assertCanChat, assertCanView, isOpen, type VisitorProgress } from "@/lib/domain/ticket";
import type { Identity } from "@/lib/realtime/identity";
import { userIdOf } from "@/lib/realtime/identity";
import type { ChatMessageView, MeetingPointView } from "@/lib/realtime/views";
import type { ActiveRecording, MeetingPointStore, StoredMeetingPoint, Tx } from "@/server/help-desk/meeting-point-store";
import type { TicketStore } from "@/server/help-desk/ticket-store";
import type { Notifier } from "@/server/help-desk/notifier";
import type { Presence } from "@/server/help-desk/presence";
import { meetingPointView, ticketView } from "@/server/help-desk/views";

export function actorOf(identity: Identity): Actor {
  return { userId: userIdOf(identity), displayName: identity.name ?? "Visitor" };
}

export class MeetingPointService {
  private readonly liveListeners: ((meetingPointId: string) => Promise<void>)[] = [];
  private readonly endedListeners: ((meetingPointId: string) => Promise<void>)[] = [];

  constructor(
    private readonly store: MeetingPointStore,
    private readonly tickets: TicketStore,
    private readonly presence: Presence,
    private readonly notifier: Notifier,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Called after a meeting point's call starts (an armed recording begins capturing). */
  onLive(listener: (meetingPointId: string) => Promise<void>): void {
    this.liveListeners.push(listener);
  }

  /** Called after a meeting point ends or its call stops on a hand-over (a running recording stops with it). */
  onEnded(listener: (meetingPointId: string) => Promise<void>): void {
    this.endedListeners.push(listener);
  }

  view(mp: MeetingPoint, ticketId: string | null, recipient: string, recording: ActiveRecording | null = null): MeetingPointView {
    return meetingPointView(mp, ticketId, recipient, (u) => this.presence.isOnline(u), recording);
  }

  async create(identity: Identity, title: string | null, tx?: Tx): Promise<MeetingPoint> {
    if (identity.kind !== "agent") throw forbidden("only agents host meeting points");
    const mp = newMeetingPoint(actorOf(identity), { now: this.clock(), newId: randomUUID }, title);
    if (tx) await this.store.insert(tx, mp);
    else await this.store.withTransaction((t) => this.store.insert(t, mp));
    return mp;
  }

  async get(identity: Identity, id: string): Promise<MeetingPointView> {
    const stored = await this.store.find(id);
    if (!stored) throw notFound("no such meeting point");
    const me = userIdOf(identity);
    if (!audience(stored).includes(me)) throw forbidden("you are not part of that meeting point");
    return this.view(stored.meetingPoint, stored.ticketId, me, stored.recording);
  }

  /** Runs one command; returns the actor's view of the result. */
  run(identity: Identity, id: string, command: Command): Promise<MeetingPointView> {
    return this.runAs(() => actorOf(identity), id, command);
  }

  /** Runs a command on the host's behalf: the server ending a meeting point when its ticket closes. */
  runAsHost(id: string, command: Command): Promise<MeetingPointView> {
    return this.runAs(
      (mp) => mp.participants.find((p) => p.userId === mp.hostId) ?? { userId: mp.hostId, displayName: "Host" },
      id,
      command,
    );
  }

  private async runAs(actorFor: (mp: MeetingPoint) => Actor, id: string, command: Command): Promise<MeetingPointView> {
    const now = this.clock();
    let actor: Actor | undefined;
    const outcome = await this.store.withLocked(id, async (tx, stored) => {
      actor = actorFor(stored.meetingPoint);
      const changes = decide(stored.meetingPoint, actor, command, { now, newId: randomUUID });
      await this.store.apply(tx, id, changes, now);
      const after = applyChanges(stored.meetingPoint, changes, now);
      const progress = stored.ticketId ? visitorProgressAfter(after, changes) : null;
      if (stored.ticketId && progress) await this.tickets.update(stored.ticketId, { progress }, tx);
      return { stored, after, changes, progressChanged: !!progress };
    });
    const { stored, after, changes } = outcome;
    this.announce(stored, after, changes, actor!);
    if (stored.ticketId && outcome.progressChanged) await this.announceTicket(stored.ticketId);
    if (changes.some((c) => c.kind === "stateChanged" && c.state === "live")) {
      for (const listener of this.liveListeners) await listener(id);
    }
    // Ended, or the call stopped because the meeting point was handed over: a running recording stops.
    if (changes.some((c) => c.kind === "stateChanged" && (c.state === "ended" || c.state === "scheduled"))) {
      for (const listener of this.endedListeners) await listener(id);
    }
    return this.view(after, stored.ticketId, actor!.userId, stored.recording);
  }

  /** Tells everyone concerned before or after the change, each with their own view. */
  private announce(before: StoredMeetingPoint, after: MeetingPoint, changes: Change[], actor: Actor): void {
    const ticketId = before.ticketId;
    const recipients = new Set([...audience(before), ...audience({ ...before, meetingPoint: after }), actor.userId]);
    for (const userId of recipients) {
      this.notifier.toUser(userId, "mp:updated", { meetingPoint: this.view(after, ticketId, userId, before.recording) });
    }
    for (const change of changes) {
      if (change.kind !== "invitationCreated") continue;
      this.notifier.toUser(change.invitation.inviteeId, "mp:invited", {
        meetingPointId: after.id,
        invitationId: change.invitation.id,
        ticketId,
        fromName: actor.displayName,
        message: change.invitation.message,
      });
    }
  }

  async announceTicket(ticketId: string): Promise<void> {
    const ticket = await this.tickets.find(ticketId);
    if (!ticket) return;
    const view = ticketView(ticket);
    this.notifier.toUser(`visitor:${ticket.visitorId}`, "ticket:updated", { ticket: view });
    if (ticket.agentId) this.notifier.toUser(`agent:${ticket.agentId}`, "ticket:updated", { ticket: view });
  }

  /** A user came or went: the people sharing a meeting point with them see the new online flag. */
  async announcePresenceOf(userId: string): Promise<void> {
    for (const id of await this.store.findOpenFor(userId)) await this.announceState(id);
  }

  /** Sends everyone following the meeting point its current state (e.g. after the recording changed). */
  async announceState(id: string): Promise<void> {
    const stored = await this.store.find(id);
    if (!stored) return;
    for (const userId of audience(stored)) {
      this.notifier.toUser(userId, "mp:updated", {
        meetingPoint: this.view(stored.meetingPoint, stored.ticketId, userId, stored.recording),
      });
    }
  }

  /**
   * Writes a server notice (e.g. "Recording started by Alice") into the meeting point's conversation,
   * which is the ticket's history, and shows it to everyone following.
   */
  async postNotice(id: string, body: string): Promise<void> {
    const stored = await this.store.find(id);
    if (!stored) return;
    const message = await this.tickets.addMessage({
      ticketId: stored.ticketId,
      meetingPointId: id,
      senderId: "system",
      senderName: "Help desk",
      body,
    });
    for (const userId of chatAudience(stored)) this.notifier.toUser(userId, "chat:message", { message });
  }

  async sendChat(identity: Identity, id: string, body: string): Promise<ChatMessageView> {
    const stored = await this.requireChatAccess(identity, id, "write");
    const message = await this.tickets.addMessage({
      ticketId: stored.ticketId,
      meetingPointId: id,
      senderId: userIdOf(identity),
      senderName: identity.name ?? "Visitor",
      body,
    });
    for (const userId of chatAudience(stored)) this.notifier.toUser(userId, "chat:message", { message });
    return message;
  }

  async chatHistory(identity: Identity, id: string): Promise<ChatMessageView[]> {
    await this.requireChatAccess(identity, id, "read");
    return this.tickets.messagesOf({ meetingPointId: id });
  }

  /** Relays WebRTC signalling between two people in the same live call; nobody else can reach them. */
  async assertCanSignal(identity: Identity, id: string, to: string): Promise<string> {
    const stored = await this.store.find(id);
    if (!stored) throw notFound("no such meeting point");
    const from = userIdOf(identity);
    const mp = stored.meetingPoint;
    if (mp.state !== "live") throw badRequest("the call has not started");
    if (!isActiveParticipant(mp, from)) throw forbidden("you are not in this call");
    if (!isActiveParticipant(mp, to)) throw notFound("that user is not in this call");
    return from;
  }

  private async requireChatAccess(identity: Identity, id: string, mode: "read" | "write") {
    const stored = await this.store.find(id);
    if (!stored) throw notFound("no such meeting point");
    const me = userIdOf(identity);
    const inIt = mayReadChat(stored.meetingPoint, me);
    if (!stored.ticketId) {
      if (!inIt) throw forbidden("only people in the meeting point can chat in it");
      return stored;
    }
    const ticket = await this.tickets.find(stored.ticketId);
    if (!ticket) throw notFound("no such ticket");
    if (mode === "read") {
      // Every agent may read a ticket's conversation (history); a visitor only its own.
      if (!inIt) assertCanView(ticket, identity);
      return stored;
    }
    // The ticket's visitor and agent, and a colleague the agent brought into the call.
    if (inIt && isOpen(ticket)) return stored;
    assertCanChat(ticket, identity);
    return stored;
  }
}

/** Who follows a meeting point: those concerned by it, plus the visitor of its ticket. */
function audience(stored: StoredMeetingPoint): string[] {
  const users = concernedUsers(stored.meetingPoint);
  return stored.ticketVisitor && !users.includes(stored.ticketVisitor) ? [...users, stored.ticketVisitor] : users;
}

/**
 * Who is told each chat message: the meeting point's chat readers, plus the ticket's visitor (whose own
 * ticket's conversation it is, readable by them through the ticket).
 */
function chatAudience(stored: StoredMeetingPoint): string[] {
  const users = chatReaders(stored.meetingPoint);
  return stored.ticketVisitor && !users.includes(stored.ticketVisitor) ? [...users, stored.ticketVisitor] : users;
}

/** Where a ticket's visitor stands after these changes, when it moved. */
function visitorProgressAfter(mp: MeetingPoint, changes: Change[]): VisitorProgress | null {
  let progress: VisitorProgress | null = null;
  for (const change of changes) {
    if (change.kind === "invitationCreated" && change.invitation.inviteeId.startsWith("visitor:")) progress = "invited";
    if (change.kind === "invitationUpdated" && change.status === "declined") progress = "ready";
    if (change.kind === "participantJoined" && change.participant.userId.startsWith("visitor:")) progress = "in_call";
    if (change.kind === "participantLeft" && change.userId.startsWith("visitor:")) progress = "ready";
  }
  if (mp.state === "ended" && progress === null && changes.some((c) => c.kind === "stateChanged")) progress = "ready";
  return progress;
}
