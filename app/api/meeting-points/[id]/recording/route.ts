// POST starts recording the meeting point (host only; armed before the call; 409 if one is running),
// optionally at another recorder deployment: { destination }. PATCH { action: "pause" | "resume" }.
// DELETE stops it.
import { z } from "zod";
import { requireAgentAndId } from "@/server/platform/auth/agent-session";
import { readJson, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

const startBody = z.object({ destination: z.string().trim().min(1).max(500).optional() }).strict();
const patchBody = z.object({ action: z.enum(["pause", "resume"]) }).strict();

export async function POST(req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const input = await readJson(req, startBody);
  if ("error" in input) return input.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => {
      const recording = await recordings.start(target.identity, target.id, input.data.destination);
      return Response.json({ recordingId: recording.id, status: recording.status }, { status: 201 });
    },
    (err) => logger.error({ err, meetingPointId: target.id }, "starting a recording failed"),
  );
}

export async function PATCH(req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const input = await readJson(req, patchBody);
  if ("error" in input) return input.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => {
      const recording = await recordings.control(target.identity, target.id, input.data.action);
      return Response.json({ recordingId: recording.id, status: recording.status });
    },
    (err) => logger.error({ err, meetingPointId: target.id }, "recording control failed"),
  );
}

export async function DELETE(_req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => {
      const recording = await recordings.stop(target.identity, target.id);
      return Response.json({ recordingId: recording.id, status: recording.status });
    },
    (err) => logger.error({ err, meetingPointId: target.id }, "stopping a recording failed"),
  );
}
