// GET /api/health: 200 when the database and storage answer, 503 when either does not. Anyone sees up or down
// per component; signed-in agents also see latency, the bucket and the error (which also goes to the log).
import { agentFromCookie } from "@/server/platform/auth/agent-session";
import { checkHealth, publicHealth } from "@/server/platform/health";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "anyone", action: "checking health" }, async ({ req, services }) => {
  const report = await checkHealth(services);
  if (report.status !== "ok") services.logger.warn({ health: report }, "health check degraded");
  const agent = await agentFromCookie(Object.fromEntries(req.headers), {
    secret: services.authSecret,
    secureCookies: services.env.PUBLIC_URL?.startsWith("https://") ?? false,
    sessions: services.sessions,
  }).catch(() => null); // with the database down the session cannot be checked: the public report
  return Response.json(agent ? report : publicHealth(report), {
    status: report.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
});
