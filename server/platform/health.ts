import type { CoreServices } from "@/server/service-registry";

export interface HealthReport {
  status: "ok" | "degraded";
  version: string;
  uptimeSeconds: number;
  database: { mode: string; ok: boolean; latencyMs: number; error?: string };
  storage: { mode: string; bucket: string; ok: boolean; latencyMs: number; error?: string };
}

export async function checkHealth(services: CoreServices): Promise<HealthReport> {
  const [database, storage] = await Promise.all([services.db.ping(), services.storage.ping()]);
  return {
    status: database.ok && storage.ok ? "ok" : "degraded",
    version: services.version,
    uptimeSeconds: Math.round((Date.now() - services.startedAt.getTime()) / 1000),
    database: { mode: services.db.mode, ...database },
    storage: { mode: services.storage.mode, bucket: services.storage.bucket, ...storage },
  };
}
