import NextAuth from "next-auth";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

type Handler = (req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) => Promise<Response>;
let handler: Handler | undefined;

// Built on first use: the options hold live services that exist only once server.ts has started.
function auth(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  handler ??= NextAuth(getServices().authOptions) as Handler;
  return handler(req, ctx);
}

export { auth as GET, auth as POST };
