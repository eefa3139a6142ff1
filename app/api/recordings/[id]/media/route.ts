// GET streams a ready movie through the app's own origin when the object store is the embedded one (its own
// address is loopback-only): the signed, expiring link from /playback plus an agent session; Range → 206.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const query = z
  .object({
    expires: z.coerce.number().int().positive(),
    sig: z.string().min(1).max(100),
    download: z.enum(["1"]).optional(),
  })
  .strict();

export const GET = apiRoute(
  { auth: "agent", id: true, query, action: "streaming a movie" },
  async ({ req, identity, id, query, services }) =>
    services.library.media(identity, id, {
      expires: query.expires,
      sig: query.sig,
      download: query.download === "1",
      range: req.headers.get("range"),
    }),
);
