"use client";

import { type ReactNode, useEffect, useState } from "react";
import { useDesk } from "@/components/realtime/useDesk";
import { RecordingsInProgress } from "@/components/supervisor/RecordingsInProgress";
import { type DeskFigures, formatSpan, longestWaitMs } from "@/lib/domain/desk-figures";

/** A reading and when this page got it (its own clock: only the time elapsed since is used). */
interface Reading {
  figures: DeskFigures;
  receivedAt: number;
}

const received = (figures: DeskFigures): Reading => ({ figures, receivedAt: Date.now() });

/** The supervisor's page: the desk now and today, kept current by the server's pushes. */
export function SupervisorConsole() {
  const { desk, status } = useDesk({});
  const [reading, setReading] = useState<Reading | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());

  // Asked on every (re)connection: pushes missed while offline are not replayed, and none comes until a change.
  useEffect(() => {
    if (!desk || status !== "connected") return;
    desk.request("supervisor:figures", {}).then(
      ({ figures }) => {
        setReading(received(figures));
        setError(null);
      },
      (e: Error) => setError(e.message),
    );
  }, [desk, status]);

  useEffect(() => {
    if (!desk) return;
    return desk.on("supervisor:figures", ({ figures }) => setReading(received(figures)));
  }, [desk]);

  // The longest wait keeps counting between pushes (the server pushes only when a figure changes).
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const f = reading?.figures;
  const longest = reading ? longestWaitMs(reading.figures, now - reading.receivedAt) : null;
  return (
    <div className="stack">
      <section className="panel stack" aria-label="Supervisor">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h1 style={{ margin: 0 }}>Supervisor</h1>
          <span className="muted" data-testid="figures-status">
            {status === "connected"
              ? f
                ? `Live · updated ${new Date(reading.receivedAt).toLocaleTimeString()}`
                : "Loading…"
              : `Live updates ${status}…`}
          </span>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {f && (
          // Groups side by side where there is room (two columns on a desktop), one under the other on a phone.
          <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 440px), 1fr))", gap: "20px 32px" }}>
            <FigureGroup title="Queue">
              <Figure id="waiting" label="Waiting tickets" value={f.waiting} />
              <Figure id="longest-wait" label="Longest wait" value={formatSpan(longest)} />
            </FigureGroup>
            <FigureGroup title="Agents">
              <Figure id="agents-available" label="Available" value={f.agents.available} hint="no ticket in hand" />
              <Figure id="agents-busy" label="Busy" value={f.agents.busy} hint="with a ticket in hand" />
              <Figure id="agents-away" label="Away" value={f.agents.away} />
            </FigureGroup>
            <FigureGroup title="Calls and recordings">
              <Figure id="calls" label="Calls in progress" value={f.callsInProgress} />
              <Figure id="recordings" label="Recordings in progress" value={f.recordingsInProgress} />
              <Figure id="processing" label="Recordings processing" value={f.recordingsProcessing} />
            </FigureGroup>
            <FigureGroup title="Today" note={`since midnight, ${new Date(f.today.since).toLocaleDateString([], { dateStyle: "medium" })}`}>
              <Figure id="handled" label="Tickets handled" value={f.today.handled} hint="closed today" />
              <Figure id="average-wait" label="Average wait" value={formatSpan(f.today.averageWaitMs)} hint="until taken" />
              <Figure id="average-handling" label="Average handling" value={formatSpan(f.today.averageHandlingMs)} hint="taken to closed" />
              <Figure
                id="average-rating"
                label="Average rating"
                value={f.today.averageRating === null ? "–" : `${f.today.averageRating.toFixed(1)} / 5`}
                hint={`${f.today.ratings} rating${f.today.ratings === 1 ? "" : "s"}`}
              />
            </FigureGroup>
          </div>
        )}
      </section>
      {f && <RecordingsInProgress recordings={f.recordings} total={f.recordingsInProgress} />}
    </div>
  );
}

function FigureGroup({ title, note, children }: { title: string; note?: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <h2 style={{ fontSize: 16, margin: "0 0 8px" }}>
        {title}{" "}
        {note && (
          <span className="muted" style={{ fontWeight: 400, fontSize: 14 }}>
            {note}
          </span>
        )}
      </h2>
      <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(130px, 1fr))", gap: 12 }}>{children}</div>
    </section>
  );
}

function Figure({ id, label, value, hint }: { id: string; label: string; value: ReactNode; hint?: string }) {
  return (
    <div className="panel" data-testid={`figure-${id}`} style={{ padding: "12px 16px" }}>
      <div className="muted" style={{ fontSize: 13 }}>
        {label}
      </div>
      <div data-testid="figure-value" style={{ fontSize: 28, fontWeight: 700, fontVariantNumeric: "tabular-nums" }}>
        {value}
      </div>
      {hint && (
        <div className="muted" style={{ fontSize: 12 }}>
          {hint}
        </div>
      )}
    </div>
  );
}
