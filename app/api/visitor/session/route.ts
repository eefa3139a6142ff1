// Issues a visitor token: the only credential a visitor has. The server chooses the visitor id.
import { z } from "zod";
import { readJson } from "@/server/platform/http/json";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

const body = z.object({ name: z.string().trim().max(80).optional() }).strict();

export async function POST(req: Request) {
  const parsed = await readJson(req, body);
  if ("error" in parsed) return parsed.error;
  const { token, claims } = getServices().visitorTokens.issue({ name: parsed.data.name || undefined });
  return Response.json(
    { ok: true, visitorId: claims.sub, token, expiresAt: new Date(claims.exp * 1000).toISOString() },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
}
