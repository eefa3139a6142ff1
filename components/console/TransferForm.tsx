"use client";

import { useEffect, useState } from "react";
import { useBusyAction } from "@/components/useBusyAction";
import type { TicketView, TransferTarget } from "@/lib/realtime/views";
import type { Desk } from "@/lib/sdk/desk";

/** Where the ticket goes: an Available colleague, or back to a skill queue ("" = any agent). */
type Choice = `agent:${string}` | `queue:${string}`;

/** Transfer the ticket with a note for the next agent (internal: the visitor is only told who takes over). */
export function TransferForm(props: { desk: Desk; ticket: TicketView; onDone: (ticket: TicketView) => void; onCancel: () => void }) {
  const { desk, ticket } = props;
  const [targets, setTargets] = useState<{ agents: TransferTarget[]; skills: string[] } | null>(null);
  const [choice, setChoice] = useState<Choice | "">("");
  const [note, setNote] = useState("");
  const { busy, error, setError, act } = useBusyAction();

  // biome-ignore lint/correctness/useExhaustiveDependencies: setError comes from useBusyAction's state and never changes
  useEffect(() => {
    desk.request("ticket:transferTargets", {}).then(setTargets, (e: Error) => setError(e.message));
  }, [desk]);

  const submit = () =>
    act(async () => {
      if (!choice) throw new Error("Choose a colleague or a queue.");
      const [kind, value] = [choice.slice(0, choice.indexOf(":")), choice.slice(choice.indexOf(":") + 1)];
      const to = kind === "agent" ? { kind: "agent" as const, agentId: value } : { kind: "queue" as const, skill: value || null };
      const { ticket: moved } = await desk.request("ticket:transfer", { ticketId: ticket.id, to, note: note.trim() || undefined });
      props.onDone(moved);
    });

  return (
    <form
      className="invitation stack"
      aria-label="Transfer ticket"
      data-testid="transfer-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label className="field" style={{ marginBottom: 0 }}>
        Transfer to
        <select value={choice} onChange={(e) => setChoice(e.target.value as Choice)} disabled={!targets}>
          <option value="">{targets ? "Choose…" : "Loading…"}</option>
          {targets && targets.agents.length > 0 && (
            <optgroup label="Available colleagues">
              {targets.agents.map((a) => (
                <option key={a.id} value={`agent:${a.id}`}>
                  {a.name}
                  {a.skills.length ? ` (${a.skills.join(", ")})` : ""}
                </option>
              ))}
            </optgroup>
          )}
          {targets && (
            <optgroup label="Back to the queue">
              <option value="queue:">Any agent</option>
              {targets.skills.map((s) => (
                <option key={s} value={`queue:${s}`}>
                  Queue: {s}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </label>
      {targets && targets.agents.length === 0 && (
        <p className="muted" style={{ margin: 0 }}>
          No colleague is Available right now.
        </p>
      )}
      <label className="field" style={{ marginBottom: 0 }}>
        Note for the next agent (internal)
        <textarea className="input" rows={2} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
      <p className="muted" style={{ margin: 0 }}>
        A running call ends (its recording is kept on the ticket); the visitor is told who takes over.
      </p>
      {error && <p className="error">{error}</p>}
      <div className="row">
        <button type="submit" className="button" disabled={busy || !choice}>
          Transfer
        </button>
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
