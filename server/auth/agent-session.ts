import { getServerSession } from "next-auth";
import { getServices } from "../services";

/** The signed-in agent for the current request (server components and route handlers), or null. */
export async function getAgentSession() {
  return getServerSession(getServices().authOptions);
}
