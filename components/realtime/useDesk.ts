"use client";

import { useEffect, useState } from "react";
import { io, type Socket } from "socket.io-client";
import { Desk } from "@/lib/sdk/desk";

/** To the sign-in page, back here afterwards; the session cookie is no longer honoured. */
function toSignIn() {
  window.location.assign(`/login?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
}

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "failed";

/**
 * One Socket.IO connection for the page, wrapped in the SDK. Agents authenticate with their session
 * cookie (sent automatically); visitors pass their token. `null` auth means "don't connect yet".
 */
export function useDesk(auth: { visitorToken?: string; onRenewed?: (token: string, expiresAt: string) => void } | null): {
  desk: Desk | null;
  status: ConnectionStatus;
  error: string | null;
} {
  const [state, setState] = useState<{ desk: Desk | null; status: ConnectionStatus; error: string | null }>({
    desk: null,
    status: "connecting",
    error: null,
  });
  const token = auth?.visitorToken;
  const enabled = auth !== null;
  const onRenewed = auth?.onRenewed;

  // biome-ignore lint/correctness/useExhaustiveDependencies: reconnecting whenever the parent passes a new onRenewed closure would cut calls; every closure stores the token the same way
  useEffect(() => {
    if (!enabled) return;
    const socket: Socket = io({ auth: token ? { visitorToken: token } : {}, transports: ["websocket", "polling"] });
    const desk = new Desk(socket);
    // The server closes a connection when its credential expires: a visitor renews its token on every
    // connect and again at half its remaining life, so reconnects and reloads carry a valid one.
    let renewal: ReturnType<typeof setTimeout> | undefined;
    const renew = async () => {
      const reply = (await socket
        .timeout(10_000)
        .emitWithAck("session:renew", {})
        .catch(() => null)) as { ok: boolean; visitorToken?: string | null; expiresAt?: string | null } | null;
      const next = reply?.ok && reply.visitorToken && reply.expiresAt ? reply : null;
      if (next) {
        socket.auth = { visitorToken: next.visitorToken };
        onRenewed?.(next.visitorToken!, next.expiresAt!);
      }
      const left = next ? Date.parse(next.expiresAt!) - Date.now() : 120_000;
      clearTimeout(renewal);
      renewal = setTimeout(() => void renew(), Math.max(30_000, left / 2));
    };
    socket.on("connect", () => {
      setState({ desk, status: "connected", error: null });
      if (token) void renew();
    });
    socket.on("disconnect", (reason) => {
      // The server closing us (sign-out, token refused) will not fix itself by retrying.
      setState((s) => ({ ...s, status: reason === "io server disconnect" ? "failed" : "reconnecting" }));
    });
    socket.on("connect_error", (err: Error & { data?: { code?: string; message?: string } }) => {
      // An agent's session ended (signed out elsewhere, deactivated, expired): the sign-in page, not retries.
      if (!token && err.data?.code === "UNAUTHENTICATED") return toSignIn();
      setState((s) => ({ ...s, status: socket.active ? "reconnecting" : "failed", error: err.data?.message ?? err.message }));
    });
    socket.on("session:ended", () => toSignIn());
    return () => {
      clearTimeout(renewal);
      socket.removeAllListeners();
      socket.disconnect();
    };
    // onRenewed is not a dependency: a new callback must not reconnect (callers pass a module function).
  }, [enabled, token]);

  return state;
}
