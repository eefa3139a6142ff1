// GET: the recording's access trail, newest first (supervisors and admins): every playback or download link issued,
// live view, keep, delete and layout change, with who, role, when, client IP and user agent. There is no way to
// change an entry: no other method here, and the database refuses UPDATE and DELETE on the table.
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { auth: "supervisor", id: true, action: "reading a recording's access trail" },
  async ({ identity, id, services }) =>
    Response.json({ entries: await services.library.accessTrail(identity, id) }, { headers: { "cache-control": "no-store" } }),
);
