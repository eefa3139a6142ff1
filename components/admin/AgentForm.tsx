"use client";

import { type FormEvent, useState } from "react";
import { ROLES, type Role } from "@/lib/domain/agent-account";
import type { Skill, StaffAccount } from "@/components/admin/staff-client";

export interface AgentFormValues {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  skills: string[];
}

/** Adds an agent (`editing` undefined) or edits one: username and password only when adding. */
export function AgentForm(props: {
  skills: Skill[];
  editing?: StaffAccount;
  onSubmit: (values: AgentFormValues) => Promise<void>;
  onCancel: () => void;
}) {
  const { editing } = props;
  const [values, setValues] = useState<AgentFormValues>({
    username: editing?.username ?? "",
    displayName: editing?.displayName ?? "",
    password: "",
    role: editing?.role ?? "agent",
    skills: editing?.skills ?? [],
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<AgentFormValues>) => setValues((v) => ({ ...v, ...patch }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(values);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label={editing ? `Edit ${editing.username}` : "Add agent"} style={{ marginBottom: 16 }}>
      <h3 style={{ marginTop: 0 }}>{editing ? `Edit ${editing.username}` : "Add agent"}</h3>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row" style={{ gap: 16, alignItems: "flex-start", flexWrap: "wrap" }}>
        {!editing && (
          <label className="field">
            Username
            <input value={values.username} onChange={(e) => set({ username: e.target.value })} required autoComplete="off" />
          </label>
        )}
        <label className="field">
          Display name
          <input value={values.displayName} onChange={(e) => set({ displayName: e.target.value })} required />
        </label>
        {!editing && (
          <label className="field">
            Password
            <input
              type="password"
              value={values.password}
              onChange={(e) => set({ password: e.target.value })}
              required
              minLength={10}
              autoComplete="new-password"
            />
            <small className="muted">10 characters or more</small>
          </label>
        )}
        <label className="field">
          Skills
          <select
            multiple
            value={values.skills}
            onChange={(e) => set({ skills: [...e.target.selectedOptions].map((o) => o.value) })}
            size={Math.min(6, Math.max(3, props.skills.length))}
          >
            {props.skills.map((s) => (
              <option key={s.id} value={s.name}>
                {s.label}
              </option>
            ))}
          </select>
          <small className="muted">Ctrl/⌘-click for several</small>
        </label>
        <label className="field">
          Role
          <select value={values.role} onChange={(e) => set({ role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row" style={{ gap: 8 }}>
        <button className="button" type="submit" disabled={busy}>
          {editing ? "Save changes" : "Create agent"}
        </button>
        <button className="button secondary" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
