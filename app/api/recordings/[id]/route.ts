// GET a recording: status, timestamps, participants and their raw track files (agents only).
import { requireAgent } from "@/server/auth/agent-session";
import { pathId, respond } from "@/server/http/json";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const auth = await requireAgent();
  if ("error" in auth) return auth.error;
  const parsed = pathId((await ctx.params).id);
  if ("error" in parsed) return parsed.error;
  const { recordings, logger } = getServices();
  return respond(
    async () => Response.json(await recordings.details(auth.identity, parsed.id)),
    (err) => logger.error({ err, recordingId: parsed.id }, "reading a recording failed"),
  );
}
