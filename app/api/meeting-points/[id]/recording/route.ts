// POST starts recording the meeting point (host only; armed before the call; 409 if one is running).
// DELETE stops it.
import { requireAgent } from "@/server/auth/agent-session";
import { pathId, respond } from "@/server/http/json";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

async function control(ctx: Ctx, action: "start" | "stop") {
  const auth = await requireAgent();
  if ("error" in auth) return auth.error;
  const parsed = pathId((await ctx.params).id);
  if ("error" in parsed) return parsed.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => {
      const recording = await recordings[action](auth.identity, parsed.id);
      return Response.json({ recordingId: recording.id, status: recording.status }, { status: action === "start" ? 201 : 200 });
    },
    (err) => logger.error({ err, meetingPointId: parsed.id, action }, "recording control failed"),
  );
}

export const POST = (_req: Request, ctx: Ctx) => control(ctx, "start");
export const DELETE = (_req: Request, ctx: Ctx) => control(ctx, "stop");
