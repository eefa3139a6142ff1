// POST /api/meeting-points: the SDK's createMeetingPoint over HTTP; the caller (an agent) hosts it.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const body = z.object({ title: z.string().trim().min(1).max(120).optional() }).strict();

export const POST = apiRoute({ auth: "agent", body, action: "creating a meeting point" }, async ({ identity, body, services }) => {
  const created = await services.desk.meetingPoints.create(identity, body.title ?? null);
  const view = await services.desk.meetingPoints.get(identity, created.id);
  return Response.json(view, { status: 201, headers: { location: `/api/meeting-points/${view.id}` } });
});
