"use client";

import { useEffect, useState } from "react";
import type { AccessEntry } from "@/lib/domain/recording-access";
import { formatTime } from "@/components/recordings/recordings-client";

const ACTION_LABEL: Record<AccessEntry["action"], string> = {
  play: "played",
  download: "downloaded",
  "play-hls": "played (HLS)",
  "live-view": "watched live",
  keep: "kept",
  unkeep: "stopped keeping",
  delete: "deleted",
  layout: "changed the layout",
};

/** Who had access to one recording, newest first (supervisors and admins). */
export function AccessTrail({ recordingId, title, onClose }: { recordingId: string; title: string; onClose: () => void }) {
  const [entries, setEntries] = useState<AccessEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetch(`/api/recordings/${recordingId}/access`, { cache: "no-store" })
      .then(async (res) => {
        const body = await res.json();
        if (!res.ok) throw new Error(body?.message ?? `request failed (${res.status})`);
        setEntries(body.entries);
      })
      .catch((e: Error) => setError(e.message));
  }, [recordingId]);

  return (
    <section className="panel" data-testid="access-trail" style={{ margin: "16px 0" }}>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h2 style={{ margin: 0 }}>Access log · {title}</h2>
        <button type="button" className="button secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      {entries?.length === 0 && <p className="muted">Nobody has opened this recording yet.</p>}
      {!!entries?.length && (
        <div style={{ overflowX: "auto" }}>
          <table className="list">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Role</th>
                <th>What</th>
                <th>Client IP</th>
                <th>Browser</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="access-entry" data-action={e.action}>
                  <td>{formatTime(e.at)}</td>
                  <td>{e.actorUsername}</td>
                  <td>{e.actorRole}</td>
                  <td>
                    {ACTION_LABEL[e.action]}
                    {e.detail ? <span className="muted"> ({e.detail})</span> : null}
                  </td>
                  <td>{e.clientIp}</td>
                  <td className="muted" style={{ fontSize: 12, maxWidth: 320 }}>
                    {e.userAgent}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The admins' export: every recording's trail between two dates, as CSV. */
export function AccessExport() {
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10));
  const [to, setTo] = useState(today);
  // "to" is inclusive for people: the export runs to the start of the next day.
  const end = new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000).toISOString();
  const href = `/api/admin/access.csv?from=${encodeURIComponent(`${from}T00:00:00Z`)}&to=${encodeURIComponent(end)}`;
  return (
    <div className="row" style={{ gap: 8, alignItems: "flex-end" }} data-testid="access-export">
      <label className="field" style={{ marginBottom: 0 }}>
        Access log from
        <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label className="field" style={{ marginBottom: 0 }}>
        to
        <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
      </label>
      <a className="button secondary" href={href} download>
        Export access log (CSV)
      </a>
    </div>
  );
}
