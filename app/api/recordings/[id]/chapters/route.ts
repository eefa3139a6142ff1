// GET answers the movie's chapters as WebVTT (`text/vtt`), for the player's `<track kind="chapters">` and its chapter
// list: read from the object store through the app, with the movie's own authorization (agents who may see the
// recording; others 404, visitors 403, anonymous 401).
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { auth: "agent", id: true, query: z.object({}).strict(), action: "reading a recording's chapters" },
  async ({ identity, id, services }) => services.library.chapters(identity, id),
);
