// POST /api/meeting-points: the SDK's createMeetingPoint over HTTP; the caller (an agent) hosts it.
import { z } from "zod";
import { requireAgent } from "@/server/platform/auth/agent-session";
import { readJson, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

const body = z.object({ title: z.string().trim().min(1).max(120).optional() }).strict();

export async function POST(req: Request) {
  const auth = await requireAgent();
  if ("error" in auth) return auth.error;
  const parsed = await readJson(req, body);
  if ("error" in parsed) return parsed.error;
  const { desk, logger } = getServices();
  return respond(
    async () => {
      const created = await desk.meetingPoints.create(auth.identity, parsed.data.title ?? null);
      const view = await desk.meetingPoints.get(auth.identity, created.id);
      return Response.json(view, { status: 201, headers: { location: `/api/meeting-points/${view.id}` } });
    },
    (err) => logger.error({ err }, "creating a meeting point failed"),
  );
}
