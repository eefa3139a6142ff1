// Browser side of the recordings HTTP API (the session cookie authenticates), plus display helpers.
import type { RecordingView } from "@/lib/realtime/views";

async function call<T>(input: string, init?: RequestInit): Promise<T> {
  const res = await fetch(input, { cache: "no-store", ...init });
  const body = (await res.json().catch(() => null)) as ({ message?: string } & T) | null;
  if (!res.ok) throw new Error(body?.message ?? `request failed (${res.status})`);
  return body as T;
}

export async function listRecordings(opts: { ticketId?: string; limit?: number } = {}): Promise<RecordingView[]> {
  const query = new URLSearchParams();
  if (opts.ticketId) query.set("ticketId", opts.ticketId);
  if (opts.limit) query.set("limit", String(opts.limit));
  return (await call<{ recordings: RecordingView[] }>(`/api/recordings?${query}`)).recordings;
}

export function updateRecording(id: string, patch: { keep?: boolean; layout?: RecordingView["layout"] }): Promise<RecordingView> {
  return call<RecordingView>(`/api/recordings/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
}

export function deleteRecording(id: string): Promise<RecordingView> {
  return call<RecordingView>(`/api/recordings/${id}`, { method: "DELETE" });
}

/** The player's source: the server answers with a redirect to a short-lived presigned link. */
export const playbackUrl = (id: string) => `/api/recordings/${id}/playback`;
export const downloadUrl = (id: string) => `/api/recordings/${id}/playback?download=1`;

/** m:ss (h:mm:ss past an hour); "–" when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "–";
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "–";
}

/** Replaces a recording in a list by id, or adds it; newest first. */
export function upsert(list: RecordingView[], recording: RecordingView): RecordingView[] {
  const next = list.some((r) => r.id === recording.id) ? list.map((r) => (r.id === recording.id ? recording : r)) : [recording, ...list];
  return next.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}
