// Who may read /metrics: loopback clients (a scraper on the same host, or behind a local proxy), or
// anyone with the bearer token. The loopback test is injectable so tests on 127.0.0.1 can play a remote client.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type LoopbackCheck = (req: IncomingMessage) => boolean;

export function isLoopbackRequest(req: IncomingMessage): boolean {
  // A reverse proxy on the same host connects from loopback on behalf of remote clients: not local.
  if (req.headers["x-forwarded-for"] || req.headers.forwarded) return false;
  const addr = req.socket.remoteAddress ?? "";
  return addr === "::1" || addr.startsWith("127.") || addr.startsWith("::ffff:127.");
}

export function hasBearerToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1].trim());
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

export function mayScrape(req: IncomingMessage, opts: { token?: string; isLoopback: LoopbackCheck }): boolean {
  if (opts.isLoopback(req)) return true;
  return !!opts.token && hasBearerToken(req, opts.token);
}
