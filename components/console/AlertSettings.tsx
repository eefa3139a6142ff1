"use client";

import type { TicketAlerts } from "@/components/console/useTicketAlerts";

/** How the console announces new tickets: the chime's mute switch and the desktop-notification opt-in. */
export function AlertSettings({ alerts }: { alerts: TicketAlerts }) {
  return (
    <section className="alert-settings" aria-label="New ticket alerts" data-testid="alert-settings">
      <span>New tickets:</span>
      <button
        type="button"
        className="button secondary small"
        aria-pressed={alerts.muted}
        onClick={alerts.toggleMuted}
        title={alerts.muted ? "Play a chime for new tickets" : "No chime for new tickets"}
      >
        {alerts.muted ? "Unmute sound" : "Mute sound"}
      </button>
      {!alerts.muted && !alerts.soundAllowed && <span>(sound starts after your first click on this page)</span>}
      {alerts.notifications === "off" && (
        <button type="button" className="button secondary small" onClick={alerts.enableNotifications}>
          Enable desktop notifications
        </button>
      )}
      {alerts.notifications === "on" && (
        <>
          <span data-testid="notifications-on">Desktop notifications on</span>
          <button type="button" className="button secondary small" onClick={alerts.disableNotifications}>
            Turn off
          </button>
        </>
      )}
      {alerts.notifications === "denied" && (
        <span data-testid="notifications-denied">Desktop notifications are blocked in this browser's site settings.</span>
      )}
    </section>
  );
}
