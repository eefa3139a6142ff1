// GET answers the recording's tamper-evidence records, oldest first (the last one is what verification checks), each
// with its canonical signed text, hash, seq, prevHash, key id and signature; with the movie's own authorization
// (agents who may see the recording; others 404, visitors 403, anonymous 401). A ready recording whose record is not
// written yet answers an empty list.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { auth: "agent", id: true, query: z.object({}).strict(), action: "reading a recording's evidence" },
  async ({ identity, id, services }) => {
    await services.library.requireVisible(identity, id);
    return Response.json(await services.evidence.records(id), { headers: { "cache-control": "private, no-store" } });
  },
);
