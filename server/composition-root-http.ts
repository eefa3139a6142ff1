// The web process's HTTP front: which part of the process answers a request (metrics, the co-located
// recorder, else Next.js), and listening.
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { Env } from "@/lib/config/env";
import { clientIp } from "@/lib/security/client-ip";
import { CLIENT_IP_HEADER } from "@/server/platform/auth/next-auth-options";
import { badRequestUrl } from "@/server/platform/http/request-url";
import type { Logger } from "@/server/platform/logger";
import type { AppMetrics } from "@/server/platform/metrics/metrics";
import { isRecorderPath, type Recorder } from "@/server/recordings/co-located-recorder";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function appRequestHandler(deps: {
  env: Env;
  logger: Logger;
  metrics: AppMetrics;
  recorder: Recorder;
  next: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}): RequestListener {
  const { env, logger, next } = deps;
  // A route of ours first; what it does not take goes to Next.
  const withFallback = (handler: Handler, failure: string, req: IncomingMessage, res: ServerResponse) =>
    handler(req, res).then(
      async (handled) => {
        if (!handled) await next(req, res);
      },
      (err: unknown) => {
        logger.error({ err, url: req.url }, failure);
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  return (req, res) => {
    // Replace whatever the client sent: the login rate limiter keys on this value.
    req.headers[CLIENT_IP_HEADER] = clientIp({
      forwardedFor: req.headers["x-forwarded-for"],
      remoteAddress: req.socket.remoteAddress,
      trustProxy: env.TRUST_PROXY,
    });
    const badUrl = badRequestUrl(req.url);
    if (badUrl) {
      res
        .writeHead(400, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify({ ok: false, code: "BAD_REQUEST", message: badUrl }));
      return;
    }
    if (req.url?.startsWith("/metrics")) return void withFallback(deps.metrics.handler, "metrics failed", req, res);
    if (isRecorderPath(req.url)) return void withFallback(deps.recorder.handle, "WHIP request failed", req, res);
    next(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
    });
  };
}

/** Listens; resolves with the port (the given one, or the free one chosen for 0). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}
