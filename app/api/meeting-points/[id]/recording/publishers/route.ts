// POST { name } -> { whipUrl, token }: a WHIP credential for an external source (a camera, OBS,
// GStreamer, another app) to publish into the running recording. Host only; the token is short-lived.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const body = z.object({ name: z.string().trim().min(1).max(80) }).strict();

export const POST = apiRoute(
  { auth: "agent", id: true, body, action: "issuing a publisher credential" },
  async ({ identity, id, body, services }) =>
    Response.json(await services.recordings.publisher(identity, id, { name: body.name }), { status: 201 }),
);
