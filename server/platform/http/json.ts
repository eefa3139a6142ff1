// Shared shape of HTTP API errors: a machine-readable code and a human message, like socket acks.
import type { z } from "zod";
import { isDomainError } from "@/lib/domain/result";
import type { ErrorCode } from "@/lib/realtime/ack";
import { findNulString } from "@/lib/security/nul-strings";
import { isServiceUnavailable } from "@/server/platform/database/unavailable";

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INSUFFICIENT_STORAGE: 507,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

const MAX_BODY_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id: the value, or a 400 response naming the parameter. */
export function pathId(value: string, name = "id"): { id: string } | { error: Response } {
  return UUID.test(value) ? { id: value } : { error: apiError("BAD_REQUEST", `${name}: must be a UUID`) };
}

export function apiError(code: ErrorCode, message: string): Response {
  return Response.json({ ok: false, code, message }, { status: STATUS[code] });
}

/** Runs a route's work, turning domain refusals into their HTTP status; anything else is a logged 500. */
export async function respond(work: () => Promise<Response>, onUnexpected: (error: unknown) => void): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (isDomainError(error)) return apiError(error.code, error.message);
    onUnexpected(error);
    if (isServiceUnavailable(error)) return apiError("UNAVAILABLE", "the service is briefly unavailable; try again");
    return apiError("INTERNAL", "the request failed; try again");
  }
}

/** Reads and validates a JSON body; an empty body counts as {}. Returns the data or a 4xx Response. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<{ data: z.infer<T> } | { error: Response }> {
  const type = req.headers.get("content-type") ?? "";
  if (Number(req.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) {
    return { error: apiError("BAD_REQUEST", `body larger than ${MAX_BODY_BYTES} bytes`) };
  }
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) return { error: apiError("BAD_REQUEST", `body larger than ${MAX_BODY_BYTES} bytes`) };
  if (text && !type.includes("application/json")) return { error: apiError("BAD_REQUEST", "content-type must be application/json") };
  let raw: unknown = {};
  if (text) {
    try {
      raw = JSON.parse(text);
    } catch {
      return { error: apiError("BAD_REQUEST", "body is not valid JSON") };
    }
  }
  const nul = findNulString(raw);
  if (nul) return { error: apiError("BAD_REQUEST", `${nul}: must not contain U+0000`) };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: apiError("BAD_REQUEST", `${issue.path.join(".") || "body"}: ${issue.message}`) };
  }
  return { data: parsed.data };
}
