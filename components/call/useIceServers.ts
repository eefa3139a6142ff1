"use client";

import { useEffect, useState } from "react";
import type { Desk } from "@/lib/sdk/desk";

/**
 * This user's ICE servers, asked from the server (a TURN credential of their own, when TURN is configured) and
 * asked again at three quarters of the credential's life. `null` until the first answer (a few seconds at most:
 * then the page's static servers), so a call does not start without its relay.
 */
export function useIceServers(desk: Desk | null, fallback: RTCIceServer[]): RTCIceServer[] | null {
  const [servers, setServers] = useState<RTCIceServer[] | null>(null);
  const fallbackKey = JSON.stringify(fallback);
  useEffect(() => {
    if (!desk) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      const reply = await desk.iceServers().catch(() => null);
      if (stopped) return;
      if (!reply) {
        setServers((current) => current ?? (JSON.parse(fallbackKey) as RTCIceServer[]));
        timer = setTimeout(ask, 15_000);
        return;
      }
      setServers(reply.iceServers as RTCIceServer[]);
      if (reply.expiresAt) timer = setTimeout(ask, Math.max(5_000, 0.75 * (Date.parse(reply.expiresAt) - Date.now())));
    };
    void ask();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [desk, fallbackKey]);
  return servers;
}
