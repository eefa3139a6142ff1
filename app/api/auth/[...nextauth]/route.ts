import NextAuth from "next-auth";
import { NextRequest } from "next/server";
import { checkAuthRequest } from "@/server/platform/auth/auth-request-guard";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };
type Handler = (req: Request, ctx: Context) => Promise<Response>;
let handler: Handler | undefined;

// Built on first use: the options hold live services that exist only once the web entry has started.
async function auth(req: Request, ctx: Context) {
  const services = getServices();
  const verdict = await checkAuthRequest(req, (await ctx.params).nextauth, services.env.PUBLIC_URL);
  if ("refused" in verdict) return verdict.refused;
  handler ??= NextAuth(services.authOptions) as Handler;
  // next-auth reads `nextUrl` and `cookies`: the request rebuilt around the body already read must be a NextRequest.
  const res = await handler(new NextRequest(verdict.request), ctx);
  if (res.status >= 500) services.logger.error({ status: res.status, url: req.url }, "next-auth failed a request");
  return absoluteJsonRedirect(res, services.env.PUBLIC_URL ?? new URL(req.url).origin);
}

/**
 * The redirect callback keeps next-auth's redirects as paths on this site (next-auth-options.ts). A Location
 * header may be a path, but next-auth/react parses the `{url}` of its JSON replies with `new URL()`: those are
 * made absolute against this site's origin.
 */
async function absoluteJsonRedirect(res: Response, origin: string): Promise<Response> {
  if (!res.headers.get("content-type")?.includes("application/json")) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { url?: unknown } | null;
  if (typeof body?.url !== "string" || !body.url.startsWith("/")) return res;
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify({ ...body, url: new URL(body.url, origin).href }), { status: res.status, headers });
}

export { auth as GET, auth as POST };
