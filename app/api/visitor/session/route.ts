// Issues a visitor token: the only credential a visitor has. The server chooses the visitor id.
import { z } from "zod";
import { isReservedName, RESERVED_NAME_MESSAGE } from "@/lib/domain/display-name";
import { CLIENT_IP_HEADER } from "@/server/platform/auth/next-auth-options";
import { apiRoute } from "@/server/platform/http/api-route";
import { apiError } from "@/server/platform/http/json";

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

export const POST = apiRoute({ auth: "anyone", body, action: "issuing a visitor token" }, async ({ req, body, services }) => {
  // Tokens are free identities: per-user limits mean nothing unless issuing them is limited per address.
  const limit = services.env.RATE_LIMIT_VISITOR_TOKENS;
  if (limit > 0) {
    const ip = req.headers.get(CLIENT_IP_HEADER) ?? "unknown";
    const decision = await services.visitorTokenIssue.take(ip, limit);
    if (!decision.allowed) {
      return apiError("RATE_LIMITED", `too many visitor sessions from this address; retry in ${decision.retryAfterSeconds} s`, {
        "retry-after": String(decision.retryAfterSeconds),
      });
    }
  }
  const { token, claims } = services.visitorTokens.issue({ name: body.name || undefined });
  return Response.json(
    { ok: true, visitorId: claims.sub, token, expiresAt: new Date(claims.exp * 1000).toISOString() },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
});
