// Issues a visitor token: the only credential a visitor has. The server chooses the visitor id.
import { z } from "zod";
import { isReservedName, RESERVED_NAME_MESSAGE } from "@/lib/domain/display-name";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

const body = z
  .object({
    name: z
      .string()
      .trim()
      .max(80)
      .refine((value) => !isReservedName(value), RESERVED_NAME_MESSAGE)
      .optional(),
  })
  .strict();

export const POST = apiRoute({ auth: "anyone", body, action: "issuing a visitor token" }, async ({ body, services }) => {
  const { token, claims } = services.visitorTokens.issue({ name: body.name || undefined });
  return Response.json(
    { ok: true, visitorId: claims.sub, token, expiresAt: new Date(claims.exp * 1000).toISOString() },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
});
