"use client";

import { useEffect, useState } from "react";
import { useDesk } from "@/components/realtime/useDesk";
import type { TicketView } from "@/lib/realtime/views";
import { GuestCalls } from "@/components/console/GuestCalls";
import { HistoryPanel } from "@/components/console/HistoryPanel";
import { QueuePanel } from "@/components/console/QueuePanel";
import { TicketPanel } from "@/components/console/TicketPanel";
import { AvailabilitySwitch } from "@/components/console/AvailabilitySwitch";
import { useAvailability } from "@/components/console/useAvailability";
import { AlertSettings } from "@/components/console/AlertSettings";
import { useTicketAlerts } from "@/components/console/useTicketAlerts";

/** The agent's workspace: live queue, own tickets, the selected ticket (call + chat), history. */
export function AgentConsole({
  self,
  skills,
  iceServers,
}: {
  self: { id: string; name: string };
  /** The agent's skills when the page loaded: which new tickets alert them. */
  skills: string[];
  iceServers: RTCIceServer[];
}) {
  const { desk, status, error } = useDesk({});

  const [queue, setQueue] = useState<TicketView[]>([]);
  const [mine, setMine] = useState<TicketView[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [historyKey, setHistoryKey] = useState(0);
  const availability = useAvailability(desk, status === "connected");
  const alerts = useTicketAlerts(desk, status, skills, availability.view?.availability === "away");

  useEffect(() => {
    if (!desk || status !== "connected") return;
    desk.request("queue:list", {}).then(
      ({ tickets }) => setQueue(tickets),
      (e: Error) => setNotice(e.message),
    );
    desk.request("queue:mine", {}).then(
      ({ tickets }) => {
        setMine(tickets);
        setSelectedId((cur) => cur ?? tickets[0]?.id ?? null);
      },
      (e: Error) => setNotice(e.message),
    );
  }, [desk, status]);

  useEffect(() => {
    if (!desk) return;
    const offQueue = desk.on("queue:updated", ({ tickets }) => setQueue(tickets));
    const offTicket = desk.on("ticket:updated", ({ ticket }) => {
      if (ticket.status === "waiting") setQueue((q) => q.map((t) => (t.id === ticket.id ? { ...ticket, position: t.position } : t)));
      if (ticket.agent?.id !== self.id) {
        // Transferred away (by this agent in another tab, or by a supervisor): no longer ours.
        setMine((list) => {
          if (!list.some((t) => t.id === ticket.id)) return list;
          setNotice(`${ticket.visitorName ?? "A visitor"}'s ticket went to ${ticket.agent?.name ?? "the queue"}.`);
          return list.filter((t) => t.id !== ticket.id);
        });
        return;
      }
      setMine((list) => {
        const open = ticket.status === "assigned";
        const known = list.some((t) => t.id === ticket.id);
        if (!open) return list.map((t) => (t.id === ticket.id ? ticket : t));
        return known ? list.map((t) => (t.id === ticket.id ? ticket : t)) : [...list, ticket];
      });
    });
    return () => {
      offQueue();
      offTicket();
    };
  }, [desk, self.id]);

  async function takeNext() {
    if (!desk) return;
    setBusy(true);
    setNotice(null);
    try {
      const { ticket } = await desk.request("queue:takeNext", {});
      if (!ticket) setNotice("No waiting ticket matches your skills.");
      else {
        setMine((list) => (list.some((t) => t.id === ticket.id) ? list : [...list, ticket]));
        setSelectedId(ticket.id);
      }
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (!desk) return <p className="panel muted">{error ?? "Connecting…"}</p>;
  const selected = mine.find((t) => t.id === selectedId) ?? null;

  return (
    <div className="stack">
      <AlertSettings alerts={alerts} />
      {status !== "connected" && (
        <p className="error">
          Connection {status}
          {error ? `: ${error}` : ""}…
        </p>
      )}
      <GuestCalls desk={desk} selfId={`agent:${self.id}`} selfName={self.name} iceServers={iceServers} />
      <div className="console-grid">
        <QueuePanel
          queue={queue}
          mine={mine.filter((t) => t.status === "assigned")}
          selectedId={selectedId}
          onTakeNext={takeNext}
          onSelect={setSelectedId}
          busy={busy}
          notice={notice ?? availability.error}
          away={availability.view?.availability === "away"}
          availability={<AvailabilitySwitch view={availability.view} onChange={(a) => void availability.set(a)} />}
        />
        {selected ? (
          <TicketPanel
            key={selected.id}
            desk={desk}
            ticket={selected}
            self={self}
            iceServers={iceServers}
            onClosed={(closed) => {
              setMine((list) => list.filter((t) => t.id !== closed.id));
              setSelectedId(null);
              setHistoryKey((k) => k + 1);
            }}
            onTransferred={(moved) => {
              setMine((list) => list.filter((t) => t.id !== moved.id));
              setSelectedId(null);
              setNotice(
                `${moved.visitorName ?? "The visitor"}'s ticket went to ${moved.agent?.name ?? `the ${moved.skill ?? "general"} queue`}.`,
              );
            }}
          />
        ) : (
          <section className="panel muted">Take the next ticket to start helping a visitor.</section>
        )}
      </div>
      <HistoryPanel desk={desk} refreshKey={historyKey} selfId={self.id} />
    </div>
  );
}
