import { checkHealth } from "@/server/platform/health";
import { getServices } from "@/server/service-registry";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth(getServices());
  return Response.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
