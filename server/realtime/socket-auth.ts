// Authenticates a Socket.IO handshake: agents by their next-auth session cookie, visitors by the signed
// visitor token the server issued. Anything else is refused before the connection is accepted.
// The cookie is ambient: a browser sends it on a WebSocket opened by any page, so a cookie handshake is
// accepted only from this site's own origin (PUBLIC_URL or the Host asked for). Visitor tokens are not
// ambient (the page must hold one), so the widget keeps working on the sites that embed it.
import type { IncomingHttpHeaders } from "node:http";
import type { Identity } from "@/lib/realtime/identity";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import type { VisitorTokens } from "@/server/platform/auth/visitor-token";
import { agentFromCookie } from "@/server/platform/auth/agent-session";
import { checkSameOrigin } from "@/server/platform/http/csrf";

/** `expiresAtMs`: when the credential presented at the handshake stops being valid. */
export type AuthOutcome =
  | { ok: true; identity: Identity; expiresAtMs: number; sessionEpoch?: number }
  | { ok: false; code: "UNAUTHENTICATED" | "FORBIDDEN"; message: string };

export async function authenticateHandshake(
  handshake: { headers: IncomingHttpHeaders; auth: Record<string, unknown> },
  deps: { secret: string; secureCookies: boolean; visitorTokens: VisitorTokens; sessions: AgentSessions; publicUrl?: string },
): Promise<AuthOutcome> {
  if (handshake.auth && "visitorToken" in handshake.auth) {
    const verified = deps.visitorTokens.verify(handshake.auth.visitorToken);
    if (!verified.ok) return { ok: false, code: "UNAUTHENTICATED", message: `visitor token refused: ${verified.error}` };
    return {
      ok: true,
      identity: { kind: "visitor", id: verified.claims.sub, name: verified.claims.name },
      expiresAtMs: verified.claims.exp * 1000,
    };
  }
  const verdict = checkSameOrigin(
    { get: (name) => headerValue(handshake.headers, name) },
    { allowedOrigins: deps.publicUrl ? [deps.publicUrl] : [] },
  );
  if (!verdict.ok) return { ok: false, code: "FORBIDDEN", message: `agent connection ${verdict.reason}` };
  const agent = await agentFromCookie(handshake.headers, deps);
  if (agent) return { ok: true, identity: agent.identity, expiresAtMs: agent.expiresAtMs, sessionEpoch: agent.epoch };
  return { ok: false, code: "UNAUTHENTICATED", message: "sign in as an agent or present a visitor token" };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}
