// GET: one live output object (init.mp4 or seg-NNNNN.m4s) through the app's origin when the object store is the
// embedded one: the signed, expiring link from live.m3u8 plus an agent session; Range → 206.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const query = z.object({ expires: z.coerce.number().int().positive(), sig: z.string().min(1).max(100) }).strict();

export const GET = apiRoute(
  { auth: "agent", id: true, query, action: "streaming a live segment" },
  async ({ req, identity, id, query, services }) => {
    const file = decodeURIComponent(new URL(req.url).pathname.split("/").pop() ?? "");
    return services.library.liveObject(identity, id, { file, expires: query.expires, sig: query.sig, range: req.headers.get("range") });
  },
);
