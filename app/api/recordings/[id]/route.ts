// One recording (agents only). GET: the recording with its capture spans and raw sessions.
// PATCH { keep?, layout? }: keep it past retention, or choose the composite's layout. DELETE: removes the
// stored movie; the row stays with status "deleted".
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const patchBody = z
  .object({
    keep: z.boolean().optional(),
    layout: z.enum(["grid", "active-speaker", "screen-share"]).optional(),
  })
  .strict()
  .refine((patch) => patch.keep !== undefined || patch.layout !== undefined, { message: "give keep or layout" });

const noStore = { headers: { "cache-control": "no-store" } };

export const GET = apiRoute({ auth: "agent", id: true, action: "reading a recording" }, async ({ identity, id, services }) =>
  Response.json(await services.library.get(identity, id), noStore),
);

export const PATCH = apiRoute(
  { auth: "agent", id: true, body: patchBody, action: "updating a recording" },
  async ({ identity, id, body, client, services }) => Response.json(await services.library.update(identity, id, body, client), noStore),
);

export const DELETE = apiRoute({ auth: "agent", id: true, action: "deleting a recording" }, async ({ identity, id, client, services }) =>
  Response.json(await services.library.remove(identity, id, client), noStore),
);
