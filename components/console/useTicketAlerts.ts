"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { playChime, unlockAudio } from "@/components/console/chime";
import type { ConnectionStatus } from "@/components/realtime/useDesk";
import {
  type AlertTracker,
  baseTitle,
  initialAlertTracker,
  markSeen,
  notificationText,
  titleWithCount,
  trackWaitingList,
} from "@/lib/domain/ticket-alerts";
import type { TicketView } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

const MUTED_KEY = "vhd.alerts.muted";
const NOTIFICATIONS_KEY = "vhd.alerts.notifications";

/** "off" covers both "never asked" and "granted, then turned off here". */
export type NotificationState = "unsupported" | "off" | "on" | "denied";

export interface TicketAlerts {
  muted: boolean;
  /** False until the page has had a click or key press: browsers keep audio blocked until then. */
  soundAllowed: boolean;
  notifications: NotificationState;
  toggleMuted(): void;
  enableNotifications(): Promise<void>;
  disableNotifications(): void;
}

// Storage can be unavailable (disabled, private modes): the settings then last for the page only.
function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {}
}

function notificationState(): NotificationState {
  if (typeof Notification === "undefined") return "unsupported";
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted") return "off";
  return stored(NOTIFICATIONS_KEY) === "off" ? "off" : "on";
}

const hidden = () => document.visibilityState === "hidden";

/**
 * Announces new waiting tickets the agent can take: a chime (unless muted), and while the console is in the
 * background a desktop notification (opt-in) and a count in the tab title.
 */
export function useTicketAlerts(desk: Desk | null, status: ConnectionStatus, skills: readonly string[], away = false): TicketAlerts {
  const [muted, setMuted] = useState(false);
  const [soundAllowed, setSoundAllowed] = useState(false);
  const [notifications, setNotifications] = useState<NotificationState>("unsupported");
  // Read by socket and DOM listeners, which are attached once: refs rather than effect dependencies.
  const tracker = useRef<AlertTracker>(initialAlertTracker);
  const settings = useRef({ muted, notifications, skills, away });
  settings.current = { muted, notifications, skills, away };
  const shown = useRef(new Map<string, Notification>());

  // Stored settings are read after mount: the server render cannot know them.
  useEffect(() => {
    setMuted(stored(MUTED_KEY) === "1");
    setNotifications(notificationState());
  }, []);

  useEffect(() => {
    if (!desk || status !== "connected") return;
    const receive = ({ tickets }: { tickets: TicketView[] }) => {
      const background = hidden();
      // Away: no ticket is offered to the agent, so none is announced (they still count as seen).
      const away = settings.current.away;
      const step = trackWaitingList(tracker.current, tickets, settings.current.skills, background && !away);
      tracker.current = step.tracker;
      for (const [id, n] of shown.current) {
        if (step.tracker.unseen.includes(id)) continue;
        n.close(); // taken by someone else: no longer worth clicking
        shown.current.delete(id);
      }
      if (background) document.title = titleWithCount(document.title, step.tracker.unseen.length);
      if (step.alerts.length === 0 || away) return;
      if (!settings.current.muted) playChime();
      if (!background || settings.current.notifications !== "on") return;
      for (const ticket of step.alerts) {
        const { title, body } = notificationText(ticket);
        try {
          const n = new Notification(title, { body, tag: `ticket-${ticket.id}` });
          n.onclick = () => {
            window.focus();
            n.close();
          };
          shown.current.set(ticket.id, n);
        } catch {
          // Some mobile browsers only show notifications through a service worker; the title and chime remain.
        }
      }
    };
    const off = desk.on("queue:updated", receive);
    // Also after a reconnect: tickets that arrived while disconnected alert now rather than at the next change.
    desk.request("queue:list", {}).then(receive, () => {});
    return off;
  }, [desk, status]);

  useEffect(() => {
    const onVisibility = () => {
      if (hidden()) return;
      tracker.current = markSeen(tracker.current);
      document.title = baseTitle(document.title);
      for (const n of shown.current.values()) n.close();
      shown.current.clear();
      setNotifications(notificationState()); // the agent may have changed the permission meanwhile
    };
    const unlock = () => void unlockAudio().then(setSoundAllowed);
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pointerdown", unlock, true);
    window.addEventListener("keydown", unlock, true);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pointerdown", unlock, true);
      window.removeEventListener("keydown", unlock, true);
      document.title = baseTitle(document.title);
    };
  }, []);

  const toggleMuted = useCallback(() => {
    store(MUTED_KEY, muted ? "0" : "1");
    setMuted(!muted);
  }, [muted]);

  const enableNotifications = useCallback(async () => {
    if (typeof Notification === "undefined") return;
    const permission = await Notification.requestPermission();
    if (permission === "granted") store(NOTIFICATIONS_KEY, "on");
    setNotifications(notificationState());
  }, []);

  const disableNotifications = useCallback(() => {
    store(NOTIFICATIONS_KEY, "off");
    setNotifications(notificationState());
  }, []);

  return { muted, soundAllowed, notifications, toggleMuted, enableNotifications, disableNotifications };
}
