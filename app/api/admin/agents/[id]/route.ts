// One staff account (admins only). PATCH { displayName?, role?, skills?, active? }: active=false ends every session
// of theirs (open consoles are signed out within seconds) and puts their open tickets back in the queue; the last
// active admin cannot be deactivated or demoted.
import { apiRoute } from "@/server/platform/http/api-route";
import { accountChangeInput } from "@/server/help-desk/staff-account-input";

export const dynamic = "force-dynamic";

export const PATCH = apiRoute(
  { auth: "admin", id: true, body: accountChangeInput, action: "updating an agent" },
  async ({ id, body, identity, services }) => {
    const { active, ...details } = body;
    if (Object.values(details).some((v) => v !== undefined)) await services.staff.update(id, details);
    const agent = active === undefined ? await services.staff.get(id) : await services.staff.setActive(id, active);
    // Nobody would answer their visitors: their open tickets go back to the queue, near its front.
    const released =
      active === false
        ? await services.desk.ticketHandling.releaseAll(identity, id, `Back to the queue: ${agent.displayName} was deactivated.`)
        : 0;
    services.logger.info({ agentId: id, by: identity.id, change: { ...details, active }, released }, "agent updated");
    return Response.json({ agent }, { headers: { "cache-control": "no-store" } });
  },
);
