// PATCH { label } (admins only): renames a skill as people see it; its key (what widgets ask for) stays.
import { apiRoute } from "@/server/platform/http/api-route";
import { skillRenameInput } from "@/server/help-desk/staff-account-input";

export const dynamic = "force-dynamic";

export const PATCH = apiRoute(
  { auth: "admin", id: true, body: skillRenameInput, action: "renaming a skill" },
  async ({ id, body, services }) =>
    Response.json({ skill: await services.staff.renameSkill(id, body.label) }, { headers: { "cache-control": "no-store" } }),
);
