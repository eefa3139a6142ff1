"use client";

import { useCallback, useEffect, useState } from "react";
import { AgentForm, type AgentFormValues } from "@/components/admin/AgentForm";
import { SkillsPanel } from "@/components/admin/SkillsPanel";
import { createAgent, loadStaff, resetPassword, type Skill, type StaffAccount, updateAgent } from "@/components/admin/staff-client";

/** The admin page: the desk's agents (add, edit, reset password, deactivate) and its skills. */
export function StaffAdmin({ selfId }: { selfId: string }) {
  const [agents, setAgents] = useState<StaffAccount[]>([]);
  const [skills, setSkills] = useState<Skill[]>([]);
  const [form, setForm] = useState<{ editing?: StaffAccount } | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ error: boolean; text: string } | null>(null);

  const reload = useCallback(async () => {
    const staff = await loadStaff();
    setAgents(staff.agents);
    setSkills(staff.skills);
  }, []);
  useEffect(() => {
    reload().catch((err: Error) => setNotice({ error: true, text: err.message }));
  }, [reload]);

  const run = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setNotice({ error: false, text: done });
      await reload();
    } catch (err) {
      setNotice({ error: true, text: (err as Error).message });
    }
  };

  async function save(values: AgentFormValues) {
    const editing = form?.editing;
    if (editing) await updateAgent(editing.id, { displayName: values.displayName, role: values.role, skills: values.skills });
    else await createAgent(values);
    setForm(null);
    setNotice({ error: false, text: editing ? `Saved ${editing.username}` : `Created ${values.username.trim().toLowerCase()}` });
    await reload();
  }

  const label = (name: string) => skills.find((s) => s.name === name)?.label ?? name;
  return (
    <div className="stack" style={{ gap: 16 }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Agents</h2>
        <button className="button" type="button" onClick={() => setForm({})} disabled={form !== null}>
          Add agent
        </button>
      </div>
      {notice && (
        <p className={notice.error ? "error" : "muted"} role={notice.error ? "alert" : "status"}>
          {notice.text}
        </p>
      )}
      {form && (
        <AgentForm key={form.editing?.id ?? "new"} skills={skills} editing={form.editing} onSubmit={save} onCancel={() => setForm(null)} />
      )}
      <div style={{ overflowX: "auto" }}>
        <table className="list" aria-label="Agents">
          <thead>
            <tr>
              <th>Username</th>
              <th>Display name</th>
              <th>Role</th>
              <th>Skills</th>
              <th>Status</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <tr key={a.id} data-testid={`agent-row-${a.username}`} className={a.active ? undefined : "muted"}>
                <td>{a.username}</td>
                <td>{a.displayName}</td>
                <td>{a.role}</td>
                <td>{a.skills.map(label).join(", ") || "–"}</td>
                <td>
                  <span className={`badge ${a.active ? "ready" : "left"}`}>{a.active ? "active" : "deactivated"}</span>
                </td>
                <td>
                  <span className="row" style={{ gap: 6, flexWrap: "wrap" }}>
                    <button className="button secondary" type="button" onClick={() => setForm({ editing: a })}>
                      Edit
                    </button>
                    <button className="button secondary" type="button" onClick={() => setResetting(resetting === a.id ? null : a.id)}>
                      Reset password
                    </button>
                    {a.active ? (
                      <button
                        className="button danger"
                        type="button"
                        onClick={() =>
                          run(() => updateAgent(a.id, { active: false }), `Deactivated ${a.username}; their sessions are ended`)
                        }
                      >
                        {a.id === selfId ? "Deactivate (you)" : "Deactivate"}
                      </button>
                    ) : (
                      <button
                        className="button"
                        type="button"
                        onClick={() => run(() => updateAgent(a.id, { active: true }), `Reactivated ${a.username}`)}
                      >
                        Reactivate
                      </button>
                    )}
                  </span>
                  {resetting === a.id && (
                    <PasswordReset
                      username={a.username}
                      onSet={(password) =>
                        run(async () => {
                          await resetPassword(a.id, password);
                          setResetting(null);
                        }, `New password set for ${a.username}; their sessions are ended`)
                      }
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <SkillsPanel skills={skills} onChanged={reload} />
    </div>
  );
}

function PasswordReset({ username, onSet }: { username: string; onSet: (password: string) => Promise<void> }) {
  const [password, setPassword] = useState("");
  return (
    <form
      className="row"
      style={{ gap: 6, marginTop: 8 }}
      onSubmit={(e) => {
        e.preventDefault();
        void onSet(password);
      }}
    >
      <input
        type="password"
        aria-label={`New password for ${username}`}
        placeholder="New password (10+ characters)"
        style={{ padding: 8, border: "1px solid var(--border)", borderRadius: 6 }}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        minLength={10}
        required
        autoComplete="new-password"
      />
      <button className="button" type="submit">
        Set password
      </button>
    </form>
  );
}
