import { getServerSession } from "next-auth";
import type { Identity } from "../../lib/realtime/identity";
import { apiError } from "../http/json";
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
