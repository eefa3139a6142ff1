// One recording (agents only). GET: the recording with its capture spans and raw sessions.
// PATCH { keep?, layout? }: keep it past retention, or choose the composite's layout. DELETE: removes the
// stored movie; the row stays with status "deleted".
import { z } from "zod";
import { requireAgentAndId } from "@/server/platform/auth/agent-session";
import { readJson, respond } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

type Ctx = { params: Promise<{ id: string }> };

const patchBody = z
  .object({
    keep: z.boolean().optional(),
    layout: z.enum(["grid", "active-speaker", "screen-share"]).optional(),
  })
  .strict()
  .refine((patch) => patch.keep !== undefined || patch.layout !== undefined, { message: "give keep or layout" });

const noStore = { headers: { "cache-control": "no-store" } };

export async function GET(_req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const { library, logger } = getServices();
  return respond(
    async () => Response.json(await library.get(target.identity, target.id), noStore),
    (err) => logger.error({ err, recordingId: target.id }, "reading a recording failed"),
  );
}

export async function PATCH(req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const input = await readJson(req, patchBody);
  if ("error" in input) return input.error;
  const { library, logger } = getServices();
  return respond(
    async () => Response.json(await library.update(target.identity, target.id, input.data), noStore),
    (err) => logger.error({ err, recordingId: target.id }, "updating a recording failed"),
  );
}

export async function DELETE(_req: Request, ctx: Ctx) {
  const target = await requireAgentAndId(ctx);
  if ("error" in target) return target.error;
  const { library, logger } = getServices();
  return respond(
    async () => Response.json(await library.remove(target.identity, target.id), noStore),
    (err) => logger.error({ err, recordingId: target.id }, "deleting a recording failed"),
  );
}
