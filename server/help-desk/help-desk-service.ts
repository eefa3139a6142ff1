// Application service for the help desk: tickets, the queue, taking the next ticket, history.
import { badRequest, conflict, forbidden, notFound } from "@/lib/domain/result";
import { assertCanClose, assertCanReportProgress, assertCanView, isOpen, type Ticket, type VisitorProgress } from "@/lib/domain/ticket";
import type { Identity } from "@/lib/realtime/identity";
import type { ChatMessageView, MeetingPointView, TicketView } from "@/lib/realtime/views";
import type { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import type { TicketStore } from "@/server/help-desk/ticket-store";
import { actorOf, type MeetingPointService } from "@/server/help-desk/meeting-point-service";
import type { Notifier } from "@/server/help-desk/notifier";
import { QUEUE_VIEW_LIMIT, type QueueBroadcast } from "@/server/help-desk/queue-broadcast";
import { ticketView } from "@/server/help-desk/views";
import { assertAvailable, type Availability, estimateWaitMs } from "@/lib/domain/availability";
import type { AgentAvailability, AgentAvailabilityView } from "@/server/help-desk/agent-availability";

type Agent = Extract<Identity, { kind: "agent" }>;
type Visitor = Extract<Identity, { kind: "visitor" }>;

function requireAgent(who: Identity): Agent {
  if (who.kind !== "agent") throw forbidden("agents only");
  return who;
}

function requireVisitor(who: Identity): Visitor {
  if (who.kind !== "visitor") throw forbidden("visitors only");
  return who;
}

export class HelpDeskService {
  constructor(
    private readonly tickets: TicketStore,
    private readonly meetingPointStore: MeetingPointStore,
    private readonly meetingPoints: MeetingPointService,
    private readonly notifier: Notifier,
    private readonly isOnline: (userId: string) => boolean,
    private readonly queueBroadcast: QueueBroadcast,
    private readonly availability: AgentAvailability,
  ) {}

  /** Opens the visitor's ticket, or returns the one it already has open (a reload keeps its place). */
  async open(who: Identity, input: { name?: string; skill?: string }): Promise<TicketView> {
    const visitor = requireVisitor(who);
    const existing = await this.tickets.findOpenForVisitor(visitor.id);
    if (existing) return this.withPosition(existing);
    if (input.skill && !(await this.tickets.skillExists(input.skill))) throw badRequest(`unknown skill "${input.skill}"`);
    const ticket = await this.tickets.create({
      visitorId: visitor.id,
      visitorName: input.name ?? visitor.name ?? null,
      skill: input.skill ?? null,
    });
    this.queueBroadcast.changed();
    return this.withPosition(ticket);
  }

  async mine(who: Identity): Promise<{ ticket: TicketView | null; meetingPoint: MeetingPointView | null }> {
    const visitor = requireVisitor(who);
    const ticket = await this.tickets.findOpenForVisitor(visitor.id);
    if (!ticket) return { ticket: null, meetingPoint: null };
    const meetingPoint = ticket.meetingPointId ? await this.meetingPointViewFor(ticket.meetingPointId, `visitor:${visitor.id}`) : null;
    return { ticket: await this.withPosition(ticket), meetingPoint };
  }

  async reportProgress(who: Identity, ticketId: string, progress: VisitorProgress): Promise<TicketView> {
    const ticket = await this.load(ticketId);
    assertCanReportProgress(ticket, who, progress);
    // "ready" only describes a visitor still waiting or between calls; it must not overwrite "in_call".
    if (ticket.progress === "in_call" || ticket.progress === "invited") return this.withPosition(ticket);
    const updated = (await this.tickets.setProgressIfOpen(ticketId, progress)) ?? ticket;
    await this.announce(updated);
    return this.withPosition(updated);
  }

  async cancel(who: Identity, ticketId: string): Promise<TicketView> {
    const ticket = await this.load(ticketId);
    if (who.kind !== "visitor" || who.id !== ticket.visitorId) throw forbidden("only the ticket's visitor can cancel it");
    return this.finish(ticket, "abandoned", who);
  }

  async get(who: Identity, ticketId: string): Promise<{ ticket: TicketView; messages: ChatMessageView[] }> {
    const ticket = await this.load(ticketId);
    assertCanView(ticket, who);
    return { ticket: await this.withPosition(ticket), messages: await this.tickets.messagesOf({ ticketId }) };
  }

  async close(who: Identity, ticketId: string): Promise<TicketView> {
    const ticket = await this.load(ticketId);
    assertCanClose(ticket, who);
    return this.finish(ticket, "closed", who);
  }

  async inviteToVideo(who: Identity, ticketId: string): Promise<{ ticket: TicketView; meetingPoint: MeetingPointView }> {
    const agent = requireAgent(who);
    const ticket = await this.load(ticketId);
    if (ticket.agentId !== agent.id) throw forbidden("only the agent who took the ticket can invite its visitor");
    if (!isOpen(ticket) || !ticket.meetingPointId) throw conflict("the ticket is not open");
    await this.meetingPoints.run(who, ticket.meetingPointId, { type: "host" });
    const visitorUserId = `visitor:${ticket.visitorId}`;
    const stored = await this.meetingPointStore.find(ticket.meetingPointId);
    const alreadyIn = stored?.meetingPoint.participants.some((p) => p.userId === visitorUserId && p.leftAt === null);
    const meetingPoint = alreadyIn
      ? await this.meetingPoints.get(who, ticket.meetingPointId)
      : await this.meetingPoints.run(who, ticket.meetingPointId, { type: "invite", inviteeId: visitorUserId });
    return { ticket: ticketView(await this.load(ticketId)), meetingPoint };
  }

  async queue(who: Identity): Promise<TicketView[]> {
    requireAgent(who);
    const capacity = await this.availability.capacity();
    return (await this.tickets.listWaiting(QUEUE_VIEW_LIMIT)).map((t, i) => ({
      ...ticketView(t, i + 1),
      estimatedWaitMs: estimateWaitMs(i + 1, capacity),
    }));
  }

  /**
   * Hands the agent the oldest waiting ticket it can serve, exclusively, with a meeting point it hosts: a new
   * one, or the ticket's own when it came back to the queue by a transfer (its conversation and recordings stay).
   */
  async takeNext(who: Identity): Promise<{ ticket: TicketView | null; meetingPoint: MeetingPointView | null }> {
    const agent = requireAgent(who);
    assertAvailable((await this.availability.of(agent.id))?.availability ?? "away");
    const claimed = await this.meetingPointStore.withTransaction(async (tx) => {
      const ticketId = await this.tickets.claimOldest(tx, agent.id);
      if (!ticketId) return null;
      const existing = (await this.tickets.find(ticketId, tx))?.meetingPointId;
      if (existing) return { ticketId, meetingPointId: existing, handOver: true };
      const mp = await this.meetingPoints.create(agent, null, tx);
      await this.tickets.update(ticketId, { meetingPointId: mp.id }, tx);
      return { ticketId, meetingPointId: mp.id, handOver: false };
    });
    if (!claimed) return { ticket: null, meetingPoint: null };
    if (claimed.handOver) {
      await this.meetingPoints.runAsHost(claimed.meetingPointId, { type: "handOver", newHost: actorOf(agent) });
    }
    const ticket = await this.load(claimed.ticketId);
    await this.announce(ticket);
    this.queueBroadcast.changed();
    return { ticket: ticketView(ticket), meetingPoint: await this.meetingPoints.get(agent, claimed.meetingPointId) };
  }

  async myAvailability(who: Identity): Promise<AgentAvailabilityView> {
    const agent = requireAgent(who);
    const view = await this.availability.of(agent.id);
    if (!view) throw notFound("no such agent");
    return view;
  }

  async setAvailability(who: Identity, availability: Availability): Promise<AgentAvailabilityView> {
    const agent = requireAgent(who);
    const view = await this.availability.set(agent.id, availability);
    this.availabilityChanged(agent.id, view);
    return view;
  }

  /** An agent's first connection (on any node): back from an automatic Away. */
  async agentArrived(agentId: string): Promise<void> {
    const view = await this.availability.markBack(agentId);
    if (view) this.availabilityChanged(agentId, view);
  }

  /** Every tab of the agent gone past the grace period. */
  async agentGone(agentId: string): Promise<void> {
    const view = await this.availability.markGone(agentId);
    if (!view) return;
    // Back while this was being stored (their connection's own check ran before it): undo.
    if (this.isOnline(`agent:${agentId}`)) return this.agentArrived(agentId);
    this.availabilityChanged(agentId, view);
  }

  async history(who: Identity, limit = 50): Promise<TicketView[]> {
    requireAgent(who);
    return (await this.tickets.history(limit)).map((t) => ticketView(t));
  }

  /** Other agents, to invite into a call (consulting a colleague). */
  async colleagues(who: Identity): Promise<{ userId: string; name: string; online: boolean }[]> {
    const agent = requireAgent(who);
    const others = await this.tickets.activeAgents(agent.id);
    return others.map((a) => ({ userId: `agent:${a.id}`, name: a.displayName, online: this.isOnline(`agent:${a.id}`) }));
  }

  async assigned(who: Identity): Promise<TicketView[]> {
    const agent = requireAgent(who);
    return (await this.tickets.listOpenForAgent(agent.id)).map((t) => ticketView(t));
  }

  /** The visitor's last connection is gone for good (grace period over). */
  async visitorGone(visitorId: string): Promise<void> {
    const ticket = await this.tickets.findOpenForVisitor(visitorId);
    if (!ticket) return;
    if (ticket.status === "waiting") {
      await this.finish(ticket, "abandoned", { kind: "visitor", id: visitorId });
      return;
    }
    if (ticket.meetingPointId) {
      await this.meetingPoints.run({ kind: "visitor", id: visitorId }, ticket.meetingPointId, { type: "leave" }).catch(() => {});
    }
    const updated = await this.tickets.setProgressIfOpen(ticket.id, "left");
    if (updated) await this.announce(updated);
  }

  private async finish(ticket: Ticket, status: "closed" | "abandoned", who: Identity): Promise<TicketView> {
    if (!isOpen(ticket)) throw conflict(`the ticket is already ${ticket.status}`);
    if (ticket.meetingPointId) {
      const stored = await this.meetingPointStore.find(ticket.meetingPointId);
      if (stored && stored.meetingPoint.state !== "ended") await this.meetingPoints.runAsHost(ticket.meetingPointId, { type: "end" });
    }
    // The visitor walking away is "left"; an agent closing leaves the visitor's last state, minus the call.
    const progress: VisitorProgress =
      status === "abandoned" || who.kind === "visitor" ? "left" : ticket.progress === "in_call" ? "ready" : ticket.progress;
    const updated = await this.tickets.update(ticket.id, { status, closedAt: new Date(), progress });
    await this.announce(updated);
    // A waiting ticket leaves the queue; an assigned one frees its agent: either way expected waits move.
    this.queueBroadcast.changed();
    return ticketView(updated);
  }

  private async load(ticketId: string): Promise<Ticket> {
    const ticket = await this.tickets.find(ticketId);
    if (!ticket) throw notFound("no such ticket");
    return ticket;
  }

  private async withPosition(ticket: Ticket): Promise<TicketView> {
    if (ticket.status !== "waiting") return ticketView(ticket);
    const [position, capacity] = await Promise.all([this.tickets.positionOf(ticket), this.availability.capacity()]);
    return { ...ticketView(ticket, position), estimatedWaitMs: estimateWaitMs(position, capacity) };
  }

  private availabilityChanged(agentId: string, view: AgentAvailabilityView): void {
    this.notifier.toUser(`agent:${agentId}`, "availability:updated", { availability: view });
    this.queueBroadcast.changed();
  }

  private async meetingPointViewFor(id: string, recipient: string): Promise<MeetingPointView | null> {
    const stored = await this.meetingPointStore.find(id);
    return stored ? this.meetingPoints.view(stored.meetingPoint, stored.ticketId, recipient, stored.recording) : null;
  }

  /** Tells the ticket's visitor, its agent and `alsoTell` (an agent it was just taken from) its new state. */
  async announce(ticket: Ticket, alsoTell: string[] = []): Promise<void> {
    const view = await this.withPosition(ticket);
    this.notifier.toUser(`visitor:${ticket.visitorId}`, "ticket:updated", { ticket: view });
    const agents = new Set([...(ticket.agentId ? [ticket.agentId] : []), ...alsoTell]);
    for (const agentId of agents) this.notifier.toUser(`agent:${agentId}`, "ticket:updated", { ticket: view });
    if (ticket.status === "waiting") this.notifier.toAgents("ticket:updated", { ticket: view });
  }
}
