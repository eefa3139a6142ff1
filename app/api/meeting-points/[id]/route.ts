// GET /api/meeting-points/{id}: its state, as the caller may see it (host: wait list and invitations too).
import { requireAgentAndId } from "@/server/platform/auth/agent-session";
import { respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const req = await requireAgentAndId(ctx);
  if ("error" in req) return req.error;
  const { desk, logger } = getServices();
  return respond(
    async () => Response.json(await desk.meetingPoints.get(req.identity, req.id)),
    (err) => logger.error({ err, meetingPointId: req.id }, "reading a meeting point failed"),
  );
}
