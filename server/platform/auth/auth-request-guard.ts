// next-auth 4 answers some malformed requests with a 500 (an unparsable callbackUrl, a JSON content type
// with a body that is not JSON, GET on the credentials callback). They are refused with a 4xx and a code
// before next-auth sees them, so a 500 from the auth routes means a real server fault again.
import { apiError } from "@/server/platform/http/json";

function acceptableCallbackUrl(value: string, origins: string[]): boolean {
  if (value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")) return true;
  try {
    return origins.includes(new URL(value).origin);
  } catch {
    return false;
  }
}

/** A 4xx Response for a request next-auth would fail on, or null to let next-auth handle it. */
export async function refuseMalformedAuthRequest(req: Request, route: string[], publicUrl?: string): Promise<Response | null> {
  const origins = [new URL(req.url).origin, ...(publicUrl ? [new URL(publicUrl).origin] : [])];
  if (route[0] === "callback" && route[1] === "credentials" && req.method !== "POST") {
    return apiError("BAD_REQUEST", "sign in with POST");
  }
  const fromQuery = new URL(req.url).searchParams.get("callbackUrl");
  if (fromQuery !== null && !acceptableCallbackUrl(fromQuery, origins))
    return apiError("BAD_REQUEST", "callbackUrl must be a path on this site");
  if (req.method !== "POST") return null;
  const type = req.headers.get("content-type") ?? "";
  const text = await req.clone().text();
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
