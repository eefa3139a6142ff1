// How application services tell people what changed, without knowing about Socket.IO.
import type { ServerToClientEvents } from "@/lib/realtime/protocol";

export type EventName = keyof ServerToClientEvents;
export type EventPayload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

export interface Notifier {
  /** Every connection of one user (on any node, once rooms span nodes). */
  toUser<E extends EventName>(userId: string, event: E, payload: EventPayload<E>): void;
  /** Every signed-in agent. */
  toAgents<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Supervisors and admins, and these agents (by account id); "all": every agent. */
  toSupervisorsAnd<E extends EventName>(agentIds: string[] | "all", event: E, payload: EventPayload<E>): void;
}
