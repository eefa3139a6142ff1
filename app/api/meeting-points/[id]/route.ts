// GET /api/meeting-points/{id}: its state, as the caller may see it (host: wait list and invitations too).
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "agent", id: true, action: "reading a meeting point" }, async ({ identity, id, services }) =>
  Response.json(await services.desk.meetingPoints.get(identity, id)),
);
