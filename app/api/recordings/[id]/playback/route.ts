// GET redirects (302) to a short-lived presigned link to the recording's movie, so the browser streams it
// straight from object storage with Range requests; ?download=1 gives the attachment variant.
// The link is minted per request and must not be cached: it expires within minutes.
import { z } from "zod";
import { requireAgentAndId } from "@/server/platform/auth/agent-session";
import { apiError, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

const playbackQuery = z.object({ download: z.enum(["0", "1", "true", "false"]).optional() }).strict();

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const parsed = playbackQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return apiError("BAD_REQUEST", `${issue.path.join(".") || "query"}: ${issue.message}`);
  }
  const download = parsed.data.download === "1" || parsed.data.download === "true";
  const { library, logger } = getServices();
  return respond(
    async () => {
      const link = await library.playbackLink(target.identity, target.id, { download });
      return new Response(null, {
        status: 302,
        headers: { location: link.url, "cache-control": "no-store", "referrer-policy": "no-referrer" },
      });
    },
    (err) => logger.error({ err, recordingId: target.id }, "making a playback link failed"),
  );
}
