// Skills (admins only). GET: every skill with how many agents have it. POST { name, label } → 201.
import { apiRoute } from "@/server/platform/http/api-route";
import { newSkillInput } from "@/server/help-desk/staff-account-input";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "admin", action: "listing skills" }, async ({ services }) =>
  Response.json({ skills: await services.staff.skills() }, { headers: { "cache-control": "no-store" } }),
);

export const POST = apiRoute({ auth: "admin", body: newSkillInput, action: "adding a skill" }, async ({ body, services }) =>
  Response.json({ skill: await services.staff.addSkill(body) }, { status: 201, headers: { "cache-control": "no-store" } }),
);
