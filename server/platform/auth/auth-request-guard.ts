// next-auth 4 answers some malformed requests with a 500 (an unparsable callbackUrl, a JSON content type
// with a body that is not JSON, GET on the credentials callback). They are refused with a 4xx and a code
// before next-auth sees them, so a 500 from the auth routes means a real server fault again.
// The body is read once, here, with the size limit enforced while it streams (a sign-in form is a few hundred
// bytes; reading a clone whole let one chunked POST grow the server by its size), and handed on to next-auth.
import { apiError, readBodyLimited } from "@/server/platform/http/json";

/** Sign-in, sign-out and CSRF forms are small; anything larger is not one of them. */
export const AUTH_BODY_LIMIT = 16 * 1024;

export type AuthRequestVerdict = { refused: Response } | { request: Request };

function acceptableCallbackUrl(value: string, origins: string[]): boolean {
  if (value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")) return true;
  try {
    return origins.includes(new URL(value).origin);
  } catch {
    return false;
  }
}

/** A 4xx Response for a request next-auth would fail on, or the request to hand to next-auth (its body read once). */
export async function checkAuthRequest(req: Request, route: string[], publicUrl?: string): Promise<AuthRequestVerdict> {
  if (req.method !== "POST") {
    const refused = await refuseMalformedAuthRequest(req, route, publicUrl, "");
    return refused ? { refused } : { request: req };
  }
  const bytes = await readBodyLimited(req, AUTH_BODY_LIMIT);
  if (!bytes) return { refused: apiError("BAD_REQUEST", `body larger than ${AUTH_BODY_LIMIT} bytes`) };
  const text = new TextDecoder().decode(bytes);
  const refused = await refuseMalformedAuthRequest(req, route, publicUrl, text);
  if (refused) return { refused };
  const headers = new Headers(req.headers);
  headers.delete("content-length");
  return { request: new Request(req.url, { method: req.method, headers, body: text }) };
}

async function refuseMalformedAuthRequest(
  req: Request,
  route: string[],
  publicUrl: string | undefined,
  text: string,
): Promise<Response | null> {
  const origins = [new URL(req.url).origin, ...(publicUrl ? [new URL(publicUrl).origin] : [])];
  if (route[0] === "callback" && route[1] === "credentials" && req.method !== "POST") {
    return apiError("BAD_REQUEST", "sign in with POST");
  }
  const fromQuery = new URL(req.url).searchParams.get("callbackUrl");
  if (fromQuery !== null && !acceptableCallbackUrl(fromQuery, origins))
    return apiError("BAD_REQUEST", "callbackUrl must be a path on this site");
  if (req.method !== "POST") return null;
  const type = req.headers.get("content-type") ?? "";
  let body: Record<string, unknown> | null = null;
  if (type.includes("application/json")) {
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      body = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      return apiError("BAD_REQUEST", "body is not valid JSON");
    }
    if (!body) return apiError("BAD_REQUEST", "body must be a JSON object");
  } else if (type.includes("application/x-www-form-urlencoded")) {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  const fromBody = body?.callbackUrl;
  if (fromBody !== undefined && (typeof fromBody !== "string" || !acceptableCallbackUrl(fromBody, origins))) {
    return apiError("BAD_REQUEST", "callbackUrl must be a path on this site");
  }
  return null;
}
