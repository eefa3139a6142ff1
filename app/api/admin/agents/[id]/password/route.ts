// PUT { password } (admins only): sets an agent's password and ends their sessions everywhere.
import { apiRoute } from "@/server/platform/http/api-route";
import { passwordInput } from "@/server/help-desk/staff-account-input";

export const dynamic = "force-dynamic";

export const PUT = apiRoute(
  { auth: "admin", id: true, body: passwordInput, action: "resetting a password" },
  async ({ id, body, identity, services }) => {
    await services.staff.resetPassword(id, body.password);
    services.logger.info({ agentId: id, by: identity.id }, "agent password reset");
    return Response.json({ ok: true }, { headers: { "cache-control": "no-store" } });
  },
);
