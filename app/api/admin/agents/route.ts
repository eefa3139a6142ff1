// Staff accounts (admins only). GET: every agent with their skills, and the skills to choose from.
// POST: a new account { username, displayName, password, role, skills } → 201.
import { apiRoute } from "@/server/platform/http/api-route";
import { newAccountInput } from "@/server/help-desk/staff-account-input";

export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };

export const GET = apiRoute({ auth: "admin", action: "listing agents" }, async ({ services }) =>
  Response.json({ agents: await services.staff.list(), skills: await services.staff.skills() }, { headers: noStore }),
);

export const POST = apiRoute({ auth: "admin", body: newAccountInput, action: "creating an agent" }, async ({ body, services }) => {
  const agent = await services.staff.create(body);
  services.logger.info({ agentId: agent.id, username: agent.username, role: agent.role }, "agent created");
  return Response.json({ agent }, { status: 201, headers: noStore });
});
