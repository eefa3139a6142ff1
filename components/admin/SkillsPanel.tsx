"use client";

import { type FormEvent, useState } from "react";
import { addSkill, renameSkill, type Skill } from "@/components/admin/staff-client";

/** Skills tickets are routed by: add one, or rename what people see (the key widgets use stays). */
export function SkillsPanel({ skills, onChanged }: { skills: Skill[]; onChanged: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [label, setLabel] = useState("");
  const [renaming, setRenaming] = useState<{ id: string; label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const attempt = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
      await onChanged();
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    }
  };

  async function add(event: FormEvent) {
    event.preventDefault();
    if (await attempt(() => addSkill({ name, label }))) {
      setName("");
      setLabel("");
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault();
    if (renaming && (await attempt(() => renameSkill(renaming.id, renaming.label)))) setRenaming(null);
  }

  return (
    <section className="panel" data-testid="skills-panel">
      <h2 style={{ marginTop: 0 }}>Skills</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div style={{ overflowX: "auto" }}>
        <table className="list">
          <thead>
            <tr>
              <th>Key</th>
              <th>Name</th>
              <th>Agents</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {skills.map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.name}</code>
                </td>
                <td>
                  {renaming?.id === s.id ? (
                    <form className="row" style={{ gap: 6 }} onSubmit={rename}>
                      <input
                        aria-label={`New name for ${s.name}`}
                        value={renaming.label}
                        onChange={(e) => setRenaming({ id: s.id, label: e.target.value })}
                        required
                      />
                      <button className="button" type="submit">
                        Save
                      </button>
                    </form>
                  ) : (
                    s.label
                  )}
                </td>
                <td>{s.agents}</td>
                <td>
                  <button className="button secondary" type="button" onClick={() => setRenaming({ id: s.id, label: s.label })}>
                    Rename
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="row" style={{ gap: 8, marginTop: 16, alignItems: "flex-end" }} onSubmit={add}>
        <label className="field" style={{ marginBottom: 0 }}>
          Skill key
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. insurance" required />
        </label>
        <label className="field" style={{ marginBottom: 0 }}>
          Skill name
          <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. Insurance claims" required />
        </label>
        <button className="button" type="submit">
          Add skill
        </button>
      </form>
    </section>
  );
}
