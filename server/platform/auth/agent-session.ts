import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import type { Identity } from "@/lib/realtime/identity";
import { checkSameOrigin, isStateChanging } from "@/server/platform/http/csrf";
import { apiError, pathId } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

/** The signed-in agent for the current request (server components and route handlers), or null. */
export async function getAgentSession() {
  return getServerSession(getServices().authOptions);
}

/**
 * The CSRF check every agent route gets (server/http/csrf.ts). The session cookie is next-auth's, which is
 * SameSite=Lax: this is defence in depth on top of it. With the route's Request the check runs for
 * state-changing methods only. Without it (routes call requireAgent() with no arguments) the method is not
 * known — next/headers exposes headers but not the method — so the check runs for every method: refusing a
 * cross-site browser GET of an agent JSON route costs nothing, since the console only calls them same-origin.
 */
async function refuseCrossSite(req: Request | undefined): Promise<Response | null> {
  if (req && !isStateChanging(req.method)) return null;
  const source = req?.headers ?? (await headers());
  const publicUrl = getServices().env.PUBLIC_URL;
  const verdict = checkSameOrigin(source, { allowedOrigins: publicUrl ? [publicUrl] : [] });
  return verdict.ok ? null : apiError("FORBIDDEN", verdict.reason);
}

/**
 * For API routes: the agent's identity from the session cookie, or the response to return (403 for a
 * cross-site browser request, 401 without a session). Pass the route's Request to limit the CSRF check to
 * POST/PATCH/PUT/DELETE.
 */
export async function requireAgent(req?: Request): Promise<{ identity: Extract<Identity, { kind: "agent" }> } | { error: Response }> {
  const forbidden = await refuseCrossSite(req);
  if (forbidden) return { error: forbidden };
  const session = await getAgentSession();
  if (!session) return { error: apiError("UNAUTHENTICATED", "sign in as an agent") };
  const { id, username, name, role } = session.user;
  return { identity: { kind: "agent", id, username, name: name ?? username, role } };
}

/** For API routes on /…/{id}: the signed-in agent and a valid id, or the 403/401/400 response to return. */
export async function requireAgentAndId(
  ctx: { params: Promise<{ id: string }> },
  req?: Request,
): Promise<{ identity: Extract<Identity, { kind: "agent" }>; id: string } | { error: Response }> {
  const auth = await requireAgent(req);
  if ("error" in auth) return auth;
  const parsed = pathId((await ctx.params).id);
  if ("error" in parsed) return parsed;
  return { identity: auth.identity, id: parsed.id };
}
