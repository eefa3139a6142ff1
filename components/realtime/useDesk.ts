"use client";

import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { Desk } from "@/lib/sdk/desk";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "failed";

/**
 * One Socket.IO connection for the page, wrapped in the SDK. Agents authenticate with their session
 * cookie (sent automatically); visitors pass their token. `null` auth means "don't connect yet".
 */
export function useDesk(auth: { visitorToken?: string } | null): { desk: Desk | null; status: ConnectionStatus; error: string | null } {
  const [state, setState] = useState<{ desk: Desk | null; status: ConnectionStatus; error: string | null }>({
    desk: null,
    status: "connecting",
    error: null,
  });
  const token = auth?.visitorToken;
  const enabled = auth !== null;

  useEffect(() => {
    if (!enabled) return;
    const socket: Socket = io({ auth: token ? { visitorToken: token } : {}, transports: ["websocket", "polling"] });
    const desk = new Desk(socket);
    socket.on("connect", () => setState({ desk, status: "connected", error: null }));
    socket.on("disconnect", (reason) => {
      // The server closing us (sign-out, token refused) will not fix itself by retrying.
      setState((s) => ({ ...s, status: reason === "io server disconnect" ? "failed" : "reconnecting" }));
    });
    socket.on("connect_error", (err: Error & { data?: { message?: string } }) => {
      setState((s) => ({ ...s, status: socket.active ? "reconnecting" : "failed", error: err.data?.message ?? err.message }));
    });
    return () => {
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, [enabled, token]);

  return state;
}
