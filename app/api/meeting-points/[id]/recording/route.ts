// POST starts recording the meeting point (host only; armed before the call; 409 if one is running),
// optionally at another recorder deployment: { destination }. PATCH { action: "pause" | "resume" }.
// DELETE stops it.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const startBody = z.object({ destination: z.string().trim().min(1).max(500).optional() }).strict();
const patchBody = z.object({ action: z.enum(["pause", "resume"]) }).strict();

export const POST = apiRoute(
  { auth: "agent", id: true, body: startBody, action: "starting a recording" },
  async ({ identity, id, body, services }) => {
    const recording = await services.recordings.start(identity, id, body.destination);
    return Response.json({ recordingId: recording.id, status: recording.status }, { status: 201 });
  },
);

export const PATCH = apiRoute(
  { auth: "agent", id: true, body: patchBody, action: "recording control" },
  async ({ identity, id, body, services }) => {
    const recording = await services.recordings.control(identity, id, body.action);
    return Response.json({ recordingId: recording.id, status: recording.status });
  },
);

export const DELETE = apiRoute({ auth: "agent", id: true, action: "stopping a recording" }, async ({ identity, id, services }) => {
  const recording = await services.recordings.stop(identity, id);
  return Response.json({ recordingId: recording.id, status: recording.status });
});
