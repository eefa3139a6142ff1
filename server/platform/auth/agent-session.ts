import { getServerSession } from "next-auth";
import { getToken } from "next-auth/jwt";
import type { IncomingHttpHeaders } from "node:http";
import type { Identity } from "@/lib/realtime/identity";
import type { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { parseCookieHeader } from "@/server/platform/http/cookies";
import { checkSameOrigin } from "@/server/platform/http/csrf";
import { apiError } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

type AgentIdentity = Extract<Identity, { kind: "agent" }>;

/**
 * The agent whose next-auth session cookie these headers carry, with when it expires, or null. Used by API
 * routes and the Socket.IO handshake alike (getToken reads req.cookies, not the raw Cookie header).
 */
export async function agentFromCookie(
  headers: IncomingHttpHeaders,
  deps: { secret: string; secureCookies: boolean; sessions: AgentSessions },
): Promise<{ identity: AgentIdentity; expiresAtMs: number; epoch: number } | null> {
  const cookies = parseCookieHeader(typeof headers.cookie === "string" ? headers.cookie : undefined);
  const token = await getToken({ req: { headers, cookies } as never, secret: deps.secret, secureCookie: deps.secureCookies }).catch(
    () => null,
  );
  if (!token?.sub || !token.username || !token.role || typeof token.exp !== "number") return null;
  const epoch = token.epoch ?? 0;
  const current = await deps.sessions.current(token.sub, epoch);
  if (!current) return null; // deactivated, or signed out everywhere by a password reset
  return {
    expiresAtMs: token.exp * 1000,
    epoch,
    identity: { kind: "agent", id: token.sub, username: token.username, name: current.displayName, role: current.role },
  };
}

/**
 * The signed-in agent for the current request (server components), or null; null too when the session was
 * ended (deactivated, password reset). Role and name are the account's current ones.
 */
export async function getAgentSession() {
  const services = getServices();
  const session = await getServerSession(services.authOptions);
  if (!session?.user?.id) return null;
  const current = await services.sessions.current(session.user.id, session.user.epoch);
  if (!current) return null;
  return { ...session, user: { ...session.user, name: current.displayName, role: current.role } };
}

/**
 * For API routes: the agent's identity from the request's session cookie, or the response to return (403 for
 * a cross-site browser request, 401 without a valid session). The same-origin check (csrf.ts) runs for every
 * method: the session cookie is SameSite=Lax, this is defence in depth, and refusing a cross-site GET of an
 * agent JSON route costs nothing since the console calls them same-origin.
 */
export async function authenticateAgent(
  req: Request,
  deps: { secret: string; publicUrl: string | undefined; sessions: AgentSessions },
): Promise<{ identity: AgentIdentity } | { error: Response }> {
  const verdict = checkSameOrigin(req.headers, { allowedOrigins: deps.publicUrl ? [deps.publicUrl] : [] });
  if (!verdict.ok) return { error: apiError("FORBIDDEN", verdict.reason) };
  const agent = await agentFromCookie(Object.fromEntries(req.headers), {
    secret: deps.secret,
    secureCookies: deps.publicUrl?.startsWith("https://") ?? false,
    sessions: deps.sessions,
  });
  return agent ? { identity: agent.identity } : { error: apiError("UNAUTHENTICATED", "sign in as an agent") };
}
