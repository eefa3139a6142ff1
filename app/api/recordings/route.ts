// GET the recordings agents may see, newest first: ?ticketId= (one ticket's), ?limit= (1–200).
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const query = z
  .object({
    ticketId: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
  })
  .strict();

export const GET = apiRoute({ auth: "agent", query, action: "listing recordings" }, async ({ identity, query, services }) =>
  Response.json({ recordings: await services.library.list(identity, query) }, { headers: { "cache-control": "no-store" } }),
);
