// GET /api/health: 200 with the database and storage modes and their latency; 503 when either is unreachable.
import { checkHealth } from "@/server/platform/health";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "anyone", action: "checking health" }, async ({ services }) => {
  const report = await checkHealth(services);
  return Response.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
});
