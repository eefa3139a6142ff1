import { checkHealth } from "@/server/health";
import { getServices } from "@/server/services";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth(getServices());
  return Response.json(report, { status: report.status === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } });
}
