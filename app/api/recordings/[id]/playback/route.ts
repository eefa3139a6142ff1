// GET redirects (302) to a short-lived presigned link to the recording's movie, so the browser streams it
// straight from object storage with Range requests; ?download=1 gives the attachment variant.
// The link is minted per request and must not be cached: it expires within minutes. ?format=hls answers the HLS
// VOD playlist of the recording's segments instead (the same windows that were watched live).
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const query = z.object({ download: z.enum(["0", "1", "true", "false"]).optional(), format: z.enum(["mp4", "hls"]).optional() }).strict();

export const GET = apiRoute(
  { auth: "agent", id: true, query, action: "making a playback link" },
  async ({ identity, id, query, client, services }) => {
    if (query.format === "hls") return services.library.livePlaylist(identity, id, { vod: true }, client);
    const download = query.download === "1" || query.download === "true";
    const link = await services.library.playbackLink(identity, id, { download }, client);
    return new Response(null, {
      status: 302,
      headers: {
        location: link.url,
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        // The movie's chapters (WebVTT), served by the app with the same authorization.
        link: `</api/recordings/${id}/chapters>; rel="chapters"; type="text/vtt"`,
      },
    });
  },
);
