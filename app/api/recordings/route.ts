// GET the recordings agents may see, newest first: ?ticketId= (one ticket's), ?limit= (1–200).
import { z } from "zod";
import { requireAgent } from "@/server/platform/auth/agent-session";
import { apiError, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

const listQuery = z
  .object({
    ticketId: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();

export async function GET(req: Request) {
  const auth = await requireAgent();
  if ("error" in auth) return auth.error;
  const parsed = listQuery.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return apiError("BAD_REQUEST", `${issue.path.join(".") || "query"}: ${issue.message}`);
  }
  const { library, logger } = getServices();
  return respond(
    async () => Response.json({ recordings: await library.list(auth.identity, parsed.data) }, { headers: { "cache-control": "no-store" } }),
    (err) => logger.error({ err, query: parsed.data }, "listing recordings failed"),
  );
}
