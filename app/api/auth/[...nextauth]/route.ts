import NextAuth from "next-auth";
import { refuseMalformedAuthRequest } from "@/server/platform/auth/auth-request-guard";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ nextauth: string[] }> };
type Handler = (req: Request, ctx: Context) => Promise<Response>;
let handler: Handler | undefined;

// Built on first use: the options hold live services that exist only once server.ts has started.
async function auth(req: Request, ctx: Context) {
  const services = getServices();
  const refused = await refuseMalformedAuthRequest(req, (await ctx.params).nextauth, services.env.PUBLIC_URL);
  if (refused) return refused;
  handler ??= NextAuth(services.authOptions) as Handler;
  const res = await handler(req, ctx);
  if (res.status >= 500) services.logger.error({ status: res.status, url: req.url }, "next-auth failed a request");
  return res;
}

export { auth as GET, auth as POST };
