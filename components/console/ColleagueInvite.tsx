"use client";

import { useEffect, useState } from "react";
import type { Desk } from "@/lib/sdk/desk";

/** Brings another agent into the call (a consultation): they get an invitation in their console. */
export function ColleagueInvite({ desk, meetingPointId, present }: { desk: Desk; meetingPointId: string; present: string[] }) {
  const [agents, setAgents] = useState<{ userId: string; name: string; online: boolean }[]>([]);
  const [choice, setChoice] = useState("");
  const [status, setStatus] = useState<string | null>(null);

  useEffect(() => {
    desk.request("agents:list", {}).then(
      ({ agents: list }) => setAgents(list),
      () => {},
    );
  }, [desk]);

  const candidates = agents.filter((a) => !present.includes(a.userId));
  if (candidates.length === 0) return null;

  async function invite() {
    if (!choice) return;
    try {
      await desk.request("mp:invite", { meetingPointId, inviteeId: choice, message: "Can you join this call?" });
      setStatus(`Invited ${agents.find((a) => a.userId === choice)?.name ?? "colleague"}.`);
    } catch (e) {
      setStatus((e as Error).message);
    }
  }

  return (
    <div className="row">
      <label htmlFor="colleague">Colleague</label>
      <select id="colleague" value={choice} onChange={(e) => setChoice(e.target.value)}>
        <option value="">Choose…</option>
        {candidates.map((a) => (
          <option key={a.userId} value={a.userId}>
            {a.name}
            {a.online ? "" : " (offline)"}
          </option>
        ))}
      </select>
      <button className="button secondary" type="button" disabled={!choice} onClick={invite}>
        Invite colleague
      </button>
      {status && <span className="muted">{status}</span>}
    </div>
  );
}
