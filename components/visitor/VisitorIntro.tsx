"use client";

import { useState, type FormEvent } from "react";

export function VisitorIntro({
  skills,
  onStart,
}: {
  skills: { name: string; label: string }[];
  onStart: (input: { name?: string; skill?: string }) => Promise<void>;
}) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const skill = String(form.get("skill") ?? "");
    setPending(true);
    setError(null);
    try {
      await onStart({ name: name || undefined, skill: skill || undefined });
    } catch (err) {
      setError((err as Error).message);
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} className="panel">
      <h1>Video assistance</h1>
      <p className="muted">Talk face to face with one of our agents. Your camera is only used once you accept a call.</p>
      {error && <p className="error">{error}</p>}
      <div className="field">
        <label htmlFor="visitor-name">Your name (optional)</label>
        <input id="visitor-name" name="name" maxLength={80} autoComplete="name" />
      </div>
      <div className="field">
        <label htmlFor="visitor-skill">Topic</label>
        <select id="visitor-skill" name="skill" defaultValue="">
          <option value="">Anything</option>
          {skills.map((s) => (
            <option key={s.name} value={s.name}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <button className="button" type="submit" disabled={pending}>
        {pending ? "Connecting…" : "Request video assistance"}
      </button>
    </form>
  );
}
