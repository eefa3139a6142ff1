// Help-desk tickets: one per visitor request. Pure rules for who may see and act on a ticket.
import type { Identity } from "@/lib/realtime/identity";
import { userIdOf } from "@/lib/realtime/identity";
import { canSupervise } from "@/lib/domain/agent-account";
import { badRequest, conflict, forbidden } from "@/lib/domain/result";

export type TicketStatus = "waiting" | "assigned" | "closed" | "abandoned";
export type VisitorProgress = "initializing" | "ready" | "invited" | "in_call" | "left";

export interface Ticket {
  id: string;
  visitorId: string;
  visitorName: string | null;
  skill: string | null;
  status: TicketStatus;
  progress: VisitorProgress;
  agentId: string | null;
  agentName: string | null;
  meetingPointId: string | null;
  createdAt: Date;
  assignedAt: Date | null;
  closedAt: Date | null;
  rating: TicketRating | null;
}

export interface TicketRating {
  value: number;
  comment: string | null;
  at: Date;
}

export const RATING_MIN = 1;
export const RATING_MAX = 5;
export const RATING_COMMENT_MAX = 1000;

export const OPEN_STATUSES: TicketStatus[] = ["waiting", "assigned"];

export function isOpen(ticket: Ticket): boolean {
  return OPEN_STATUSES.includes(ticket.status);
}

export function visitorUserId(ticket: Ticket): string {
  return `visitor:${ticket.visitorId}`;
}

/** Agents see every ticket (queue and history); a visitor sees only its own. */
export function assertCanView(ticket: Ticket, who: Identity): void {
  if (who.kind === "agent") return;
  if (who.id !== ticket.visitorId) throw forbidden("that ticket belongs to someone else");
}

/** The visitor and the agent who took the ticket talk; nobody else writes into it. */
export function assertCanChat(ticket: Ticket, who: Identity): void {
  if (!isOpen(ticket)) throw conflict("the ticket is closed");
  if (who.kind === "visitor" && who.id === ticket.visitorId) return;
  if (who.kind === "agent" && who.id === ticket.agentId) return;
  throw forbidden("only the visitor and the assigned agent can chat on this ticket");
}

export function assertCanClose(ticket: Ticket, who: Identity): void {
  if (who.kind !== "agent") throw forbidden("only agents close tickets");
  if (ticket.agentId !== who.id && who.role !== "admin") throw forbidden("only the assigned agent can close this ticket");
  if (!isOpen(ticket)) throw conflict(`the ticket is already ${ticket.status}`);
}

/** Progress a visitor may report itself; the rest is derived by the server from what happens. */
export const SELF_REPORTED_PROGRESS: VisitorProgress[] = ["initializing", "ready"];

export function assertCanReportProgress(ticket: Ticket, who: Identity, progress: VisitorProgress): void {
  if (who.kind !== "visitor" || who.id !== ticket.visitorId) throw forbidden("only the ticket's visitor reports its progress");
  if (!SELF_REPORTED_PROGRESS.includes(progress)) throw forbidden(`progress "${progress}" is set by the server`);
  if (!isOpen(ticket)) throw conflict("the ticket is closed");
}

export function isTicketVisitor(ticket: Ticket, who: Identity): boolean {
  return userIdOf(who) === visitorUserId(ticket);
}

/** The assigned agent hands the ticket on; a supervisor or admin may move anyone's open ticket. */
export function assertCanTransfer(ticket: Ticket, who: Identity): void {
  if (who.kind !== "agent") throw forbidden("only agents transfer tickets");
  if (ticket.status !== "assigned")
    throw conflict(ticket.status === "waiting" ? "the ticket is waiting in the queue" : "the ticket is closed");
  if (ticket.agentId !== who.id && !canSupervise(who.role)) throw forbidden("only the assigned agent can transfer this ticket");
}

/** Internal notes: the assigned agent, supervisors and admins; never the visitor. */
export function assertCanAddNote(ticket: Ticket, who: Identity): void {
  if (who.kind !== "agent") throw forbidden("notes are for agents only");
  if (ticket.agentId !== who.id && !canSupervise(who.role)) throw forbidden("only the assigned agent, supervisors and admins add notes");
}

/** The visitor rates their own ticket once, after an agent took it. */
export function assertCanRate(ticket: Ticket, who: Identity, value: number): void {
  if (who.kind !== "visitor" || who.id !== ticket.visitorId) throw forbidden("only the ticket's visitor rates it");
  if (!Number.isInteger(value) || value < RATING_MIN || value > RATING_MAX) throw badRequest(`a rating is ${RATING_MIN} to ${RATING_MAX}`);
  if (!ticket.assignedAt) throw conflict("no agent has handled this ticket yet");
  if (ticket.rating) throw conflict("this ticket was already rated");
}
