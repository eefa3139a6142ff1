// GET a recording: status, timestamps, participants and their raw track files (agents only).
import { requireAgentAndId } from "@/server/auth/agent-session";
import { respond } from "@/server/http/json";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const req = await requireAgentAndId(ctx);
  if ("error" in req) return req.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => Response.json(await recordings.details(req.identity, req.id)),
    (err) => logger.error({ err, recordingId: req.id }, "reading a recording failed"),
  );
}
