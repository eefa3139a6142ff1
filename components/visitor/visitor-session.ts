"use client";

// The visitor's token lives in sessionStorage: a reload keeps the same identity (and queue place),
// closing the tab forgets it.
const KEY = "vhd.visitor";

export interface VisitorSession {
  token: string;
  visitorId: string;
  expiresAt: string;
}

export function loadVisitorSession(): VisitorSession | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as VisitorSession | null;
    if (saved && Date.parse(saved.expiresAt) > Date.now() + 60_000) return saved;
  } catch {
    // unreadable storage: start a new session
  }
  return null;
}

export async function startVisitorSession(name: string | undefined): Promise<VisitorSession> {
  const response = await fetch("/api/visitor/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(name ? { name } : {}),
  });
  const body = (await response.json()) as { ok: boolean; token?: string; visitorId?: string; expiresAt?: string; message?: string };
  if (!response.ok || !body.token) throw new Error(body.message ?? "could not start a session");
  const session = { token: body.token, visitorId: body.visitorId!, expiresAt: body.expiresAt! };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** Keeps the stored session's token current (the connection renews it) so a reload reuses a valid one. */
export function saveRenewedToken(token: string, expiresAt: string): void {
  const saved = loadVisitorSession();
  if (saved) sessionStorage.setItem(KEY, JSON.stringify({ ...saved, token, expiresAt }));
}

export function clearVisitorSession(): void {
  sessionStorage.removeItem(KEY);
}
