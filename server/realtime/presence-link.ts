// Presence messages between app nodes ride on Socket.IO's server-side emit through the Redis adapter.
// Only for a cluster adapter: the default in-memory one warns on every server-side emit.
import type { PresenceLink, PresenceMessage } from "@/server/help-desk/presence";
import type { AppSocketServer } from "@/server/realtime/socket-server";

export function socketPresenceLink(io: AppSocketServer): PresenceLink {
  return {
    publish: (message) => io.serverSideEmit("presence", message),
    subscribe: (handler) => {
      io.on("presence", (message: PresenceMessage) => {
        // Another node's message, but still validate the shape before trusting it.
        if (typeof message?.node !== "string") return;
        const list = (v: unknown) => (Array.isArray(v) ? v.filter((u): u is string => typeof u === "string") : undefined);
        handler({
          node: message.node,
          full: list(message.full),
          online: list(message.online),
          offline: list(message.offline),
          hello: message.hello === true,
        });
      });
    },
  };
}
