// What agents do with a ticket in hand besides calling: transfer it (to a colleague or back to a queue), keep
// internal notes, and what the visitor does after: rate it. Notes and transfer notes are the ticket's internal
// history: they go to agents' sockets only, never to the visitor's.
import { badRequest, conflict, forbidden, notFound } from "@/lib/domain/result";
import { assertCanAddNote, assertCanRate, assertCanTransfer, type Ticket } from "@/lib/domain/ticket";
import type { Identity } from "@/lib/realtime/identity";
import type { TicketEventView, TicketView } from "@/lib/realtime/views";
import type { AgentAvailability, TransferTarget } from "@/server/help-desk/agent-availability";
import type { HelpDeskService } from "@/server/help-desk/help-desk-service";
import type { MeetingPointService } from "@/server/help-desk/meeting-point-service";
import type { Notifier } from "@/server/help-desk/notifier";
import type { QueueBroadcast } from "@/server/help-desk/queue-broadcast";
import type { TicketStore } from "@/server/help-desk/ticket-store";
import { ticketView } from "@/server/help-desk/views";

export type TransferDestination = { kind: "agent"; agentId: string } | { kind: "queue"; skill: string | null };

export class TicketHandling {
  constructor(
    private readonly tickets: TicketStore,
    private readonly availability: AgentAvailability,
    private readonly helpDesk: HelpDeskService,
    private readonly meetingPoints: MeetingPointService,
    private readonly notifier: Notifier,
    private readonly queueBroadcast: QueueBroadcast,
  ) {}

  /** Colleagues who can take a transfer now, and the skill queues. */
  async transferTargets(who: Identity): Promise<{ agents: TransferTarget[]; skills: string[] }> {
    if (who.kind !== "agent") throw forbidden("agents only");
    return { agents: await this.availability.transferTargets(who.id), skills: await this.tickets.skillNames() };
  }

  /**
   * Moves an assigned ticket on. A running call stops (its recording stops and is kept on the ticket); the
   * meeting point, with its conversation, goes to the new agent, who invites the visitor again.
   */
  async transfer(who: Identity, ticketId: string, to: TransferDestination, note: string | null): Promise<TicketView> {
    const ticket = await this.load(ticketId);
    assertCanTransfer(ticket, who);
    if (who.kind !== "agent" || !ticket.agentId) throw conflict("the ticket is not assigned");
    const fromAgentId = ticket.agentId;
    let target: TransferTarget | null = null;
    if (to.kind === "agent") {
      if (to.agentId === fromAgentId) throw conflict("the ticket is already with that agent");
      target = (await this.availability.transferTargets(fromAgentId)).find((a) => a.id === to.agentId) ?? null;
      if (!target) throw conflict("that agent is not available (Away, deactivated or unknown)");
      if (!(await this.tickets.reassign(ticketId, fromAgentId, target.id))) throw conflict("the ticket changed meanwhile; reload it");
    } else {
      if (to.skill && !(await this.tickets.skillExists(to.skill))) throw badRequest(`unknown skill "${to.skill}"`);
      if (!(await this.tickets.requeue(ticketId, fromAgentId, to.skill))) throw conflict("the ticket changed meanwhile; reload it");
    }
    if (ticket.meetingPointId) {
      const newHost = target ? { userId: `agent:${target.id}`, displayName: target.name } : null;
      await this.meetingPoints.runAsHost(ticket.meetingPointId, { type: "handOver", newHost });
      await this.meetingPoints.postNotice(
        ticket.meetingPointId,
        target
          ? `You have been transferred to ${target.name}, who will be with you shortly.`
          : "Your request is back in the queue; the next available agent will take it.",
      );
    }
    const event = await this.tickets.addEvent({
      ticketId,
      kind: "transferred",
      actorId: who.id,
      actorName: who.name,
      body: note,
      toAgentId: target?.id ?? null,
      toAgentName: target?.name ?? null,
      toSkill: target ? null : to.kind === "queue" ? to.skill : null,
    });
    const updated = await this.load(ticketId);
    await this.helpDesk.announce(updated, [fromAgentId, who.id]);
    this.tellAgents(updated, event, [fromAgentId, who.id]);
    this.queueBroadcast.changed();
    return ticketView(updated);
  }

  /** A deactivated agent's open tickets go back to their skill queues, with the reason in each one's history. */
  async releaseAll(who: Identity, agentId: string, reason: string): Promise<number> {
    const open = await this.tickets.listOpenForAgent(agentId);
    for (const ticket of open) await this.transfer(who, ticket.id, { kind: "queue", skill: ticket.skill }, reason);
    return open.length;
  }

  async addNote(who: Identity, ticketId: string, body: string): Promise<TicketEventView> {
    const ticket = await this.load(ticketId);
    assertCanAddNote(ticket, who);
    if (who.kind !== "agent") throw forbidden("agents only");
    const event = await this.tickets.addEvent({ ticketId, kind: "note", actorId: who.id, actorName: who.name, body });
    this.tellAgents(ticket, event, [who.id]);
    return event;
  }

  /** The internal history: every agent may read it (as they read every ticket's conversation); visitors never. */
  async timeline(who: Identity, ticketId: string): Promise<TicketEventView[]> {
    if (who.kind !== "agent") throw forbidden("agents only");
    await this.load(ticketId);
    return this.tickets.eventsOf(ticketId);
  }

  async rate(who: Identity, ticketId: string, value: number, comment: string | null): Promise<TicketView> {
    const ticket = await this.load(ticketId);
    assertCanRate(ticket, who, value);
    if (!(await this.tickets.rate(ticketId, value, comment))) throw conflict("this ticket was already rated");
    const updated = await this.load(ticketId);
    await this.helpDesk.announce(updated);
    return ticketView(updated);
  }

  private tellAgents(ticket: Ticket, event: TicketEventView, also: string[]): void {
    const agents = new Set([...(ticket.agentId ? [ticket.agentId] : []), ...also]);
    for (const agentId of agents) this.notifier.toUser(`agent:${agentId}`, "ticket:event", { event });
  }

  private async load(ticketId: string): Promise<Ticket> {
    const ticket = await this.tickets.find(ticketId);
    if (!ticket) throw notFound("no such ticket");
    return ticket;
  }
}
