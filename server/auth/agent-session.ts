import { getServerSession } from "next-auth";
import type { Identity } from "../../lib/realtime/identity";
import { apiError, pathId } from "../http/json";
import { getServices } from "../services";

/** The signed-in agent for the current request (server components and route handlers), or null. */
export async function getAgentSession() {
  return getServerSession(getServices().authOptions);
}

/** For API routes: the agent's identity from the session cookie, or a 401 response to return. */
export async function requireAgent(): Promise<{ identity: Extract<Identity, { kind: "agent" }> } | { error: Response }> {
  const session = await getAgentSession();
  if (!session) return { error: apiError("UNAUTHENTICATED", "sign in as an agent") };
  const { id, username, name, role } = session.user;
  return { identity: { kind: "agent", id, username, name: name ?? username, role } };
}

/** For API routes on /…/{id}: the signed-in agent and a valid id, or the 401/400 response to return. */
export async function requireAgentAndId(
  ctx: { params: Promise<{ id: string }> },
): Promise<{ identity: Extract<Identity, { kind: "agent" }>; id: string } | { error: Response }> {
  const auth = await requireAgent();
  if ("error" in auth) return auth;
  const parsed = pathId((await ctx.params).id);
  if ("error" in parsed) return parsed;
  return { identity: auth.identity, id: parsed.id };
}
