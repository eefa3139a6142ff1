// The HTTP API's error shape ({ok:false, code, message}, status from the catalog), path ids and JSON bodies.
import type { z } from "zod";
import { answerFor, ERROR_CODES, type ErrorCode } from "@/lib/errors/catalog";
import { findNulString } from "@/lib/security/nul-strings";

export const MAX_BODY_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ParseResult<T> = { data: T } | { error: Response };

/** A path id: the value, or a 400 response naming the parameter. */
export function pathId(value: string, name = "id"): { id: string } | { error: Response } {
  return UUID.test(value) ? { id: value } : { error: apiError("BAD_REQUEST", `${name}: must be a UUID`) };
}

export function apiError(code: ErrorCode, message: string, headers?: Record<string, string>): Response {
  return Response.json({ ok: false, code, message }, { status: ERROR_CODES[code].status, headers });
}

/** Runs work outside a route (tests, tools), answering errors as routes do; unexpected ones go to onUnexpected. */
export async function respond(work: () => Promise<Response>, onUnexpected: (error: unknown) => void): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    const answer = answerFor(error);
    if (!answer.expected) onUnexpected(error);
    return apiError(answer.code, answer.message);
  }
}

const tooLarge = (limit: number) => apiError("BAD_REQUEST", `body larger than ${limit} bytes`);

/**
 * The body's bytes, or null once it passes `limit`: reading stops there and the rest is never buffered (a
 * declared Content-Length over the limit is refused before reading anything).
 */
export async function readBodyLimited(req: Request, limit: number): Promise<Uint8Array | null> {
  if (Number(req.headers.get("content-length") ?? 0) > limit) return null;
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Reads and validates a JSON body; an empty body counts as {}. Returns the data or a 4xx Response. */
export async function readJson<T extends z.ZodType>(req: Request, schema: T, limit = MAX_BODY_BYTES): Promise<ParseResult<z.infer<T>>> {
  const bytes = await readBodyLimited(req, limit);
  if (!bytes) return { error: tooLarge(limit) };
  const text = new TextDecoder().decode(bytes);
  const type = req.headers.get("content-type") ?? "";
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
