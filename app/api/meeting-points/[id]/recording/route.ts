// POST starts recording the meeting point (host only; armed before the call; 409 if one is running).
// DELETE stops it.
import { requireAgentAndId } from "@/server/auth/agent-session";
import { respond } from "@/server/http/json";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

async function control(ctx: Ctx, action: "start" | "stop") {
  const req = await requireAgentAndId(ctx);
  if ("error" in req) return req.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => {
      const recording = await recordings[action](req.identity, req.id);
      return Response.json({ recordingId: recording.id, status: recording.status }, { status: action === "start" ? 201 : 200 });
    },
    (err) => logger.error({ err, meetingPointId: req.id, action }, "recording control failed"),
  );
}

export const POST = (_req: Request, ctx: Ctx) => control(ctx, "start");
export const DELETE = (_req: Request, ctx: Ctx) => control(ctx, "stop");
