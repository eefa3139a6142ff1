// GET ?from=&to= (ISO dates or instants; default: the last 30 days): the recordings' access trail as CSV (admins).
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const DAY_MS = 86_400_000;
const query = z
  .object({ from: z.coerce.date().optional(), to: z.coerce.date().optional() })
  .strict()
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: "from must be before to" });

export const GET = apiRoute({ auth: "admin", query, action: "exporting the access trail" }, async ({ query, identity, services }) => {
  const to = query.to ?? new Date();
  const from = query.from ?? new Date(to.getTime() - 30 * DAY_MS);
  services.logger.info({ by: identity.id, from, to }, "access trail exported");
  const name = `recording-access-${from.toISOString().slice(0, 10)}-to-${to.toISOString().slice(0, 10)}.csv`;
  return new Response(services.library.accessCsv({ from, to }), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    },
  });
});
