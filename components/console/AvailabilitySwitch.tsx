"use client";

import type { Availability } from "@/lib/domain/availability";
import type { AgentAvailabilityView } from "@/lib/realtime/views";

/** Available / Away, as two buttons of which the current one is pressed. */
export function AvailabilitySwitch(props: { view: AgentAvailabilityView | null; onChange: (a: Availability) => void }) {
  const current = props.view?.availability;
  const option = (value: Availability, label: string) => (
    <button
      type="button"
      className={`button ${current === value ? "" : "secondary"}`}
      aria-pressed={current === value}
      disabled={!props.view}
      onClick={() => current !== value && props.onChange(value)}
      style={{ padding: "6px 12px", fontSize: 14 }}
    >
      <span className={`dot ${value}`} aria-hidden="true" /> {label}
    </button>
  );
  return (
    <fieldset
      className="row"
      aria-label="Availability"
      data-testid="availability"
      data-state={current ?? "unknown"}
      style={{ gap: 4, border: 0, padding: 0, margin: 0 }}
    >
      {option("available", "Available")}
      {option("away", "Away")}
    </fieldset>
  );
}
