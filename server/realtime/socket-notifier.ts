import type { EventName, EventPayload, Notifier } from "@/server/help-desk/notifier";
import { AGENTS_ROOM, SUPERVISORS_ROOM, userRoom, type AppSocketServer } from "@/server/realtime/socket-server";

/** Delivers service notifications through Socket.IO rooms (one per user, one for all agents). */
export class SocketNotifier implements Notifier {
  constructor(private readonly io: AppSocketServer) {}

  toUser<E extends EventName>(userId: string, event: E, payload: EventPayload<E>): void {
    (this.io.to(userRoom(userId)).emit as (e: string, p: unknown) => void)(event, payload);
  }

  toAgents<E extends EventName>(event: E, payload: EventPayload<E>): void {
    (this.io.to(AGENTS_ROOM).emit as (e: string, p: unknown) => void)(event, payload);
  }

  toSupervisorsAnd<E extends EventName>(agentIds: string[] | "all", event: E, payload: EventPayload<E>): void {
    // One emit to the union of rooms: a socket in several of them gets it once.
    const rooms = agentIds === "all" ? [AGENTS_ROOM] : [SUPERVISORS_ROOM, ...agentIds.map((id) => userRoom(`agent:${id}`))];
    (this.io.to(rooms).emit as (e: string, p: unknown) => void)(event, payload);
  }
}
