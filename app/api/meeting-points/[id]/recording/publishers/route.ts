// POST { name } -> { whipUrl, token }: a WHIP credential for an external source (a camera, OBS,
// GStreamer, another app) to publish into the running recording. Host only; the token is short-lived.
import { z } from "zod";
import { requireAgentAndId } from "@/server/platform/auth/agent-session";
import { readJson, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

const body = z.object({ name: z.string().trim().min(1).max(80) }).strict();

export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const input = await readJson(req, body);
  if ("error" in input) return input.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => Response.json(await recordings.publisher(target.identity, target.id, { name: input.data.name }), { status: 201 }),
    (err) => logger.error({ err, meetingPointId: target.id }, "issuing a publisher credential failed"),
  );
}
