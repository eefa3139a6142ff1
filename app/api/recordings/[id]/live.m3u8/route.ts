// GET: the HLS media playlist of a recording's live output: EVENT while it is recorded, with #EXT-X-ENDLIST once
// it stopped. Its init and segment URIs are short-lived links; players reload the playlist and get fresh ones.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute(
  { auth: "agent", id: true, query: z.object({}).strict(), action: "watching a recording live" },
  async ({ identity, id, client, services }) => services.library.livePlaylist(identity, id, { vod: false }, client),
);
