"use client";

import { useEffect, useState } from "react";
import type { Availability } from "@/lib/domain/availability";
import type { AgentAvailabilityView } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

/** The agent's availability, kept in step across their tabs (the server pushes every change). */
export function useAvailability(desk: Desk | null, connected: boolean) {
  const [view, setView] = useState<AgentAvailabilityView | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!desk || !connected) return;
    desk.request("availability:get", {}).then(
      ({ availability }) => setView(availability),
      (e: Error) => setError(e.message),
    );
    return desk.on("availability:updated", ({ availability }) => setView(availability));
  }, [desk, connected]);

  const set = async (availability: Availability) => {
    if (!desk) return;
    setError(null);
    try {
      setView((await desk.request("availability:set", { availability })).availability);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { view, set, error };
}
