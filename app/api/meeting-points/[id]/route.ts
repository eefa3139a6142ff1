// GET /api/meeting-points/{id}: its state, as the caller may see it (host: wait list and invitations too).
import { requireAgent } from "@/server/auth/agent-session";
import { pathId, respond } from "@/server/http/json";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const auth = await requireAgent();
  if ("error" in auth) return auth.error;
  const parsed = pathId((await ctx.params).id);
  if ("error" in parsed) return parsed.error;
  const { id } = parsed;
  const { desk, logger } = getServices();
  return respond(
    async () => Response.json(await desk.meetingPoints.get(auth.identity, id)),
    (err) => logger.error({ err, meetingPointId: id }, "reading a meeting point failed"),
  );
}
