import type { CoreServices } from "@/server/service-registry";

export interface HealthReport {
  status: "ok" | "degraded";
  version: string;
  uptimeSeconds: number;
  database: { mode: string; ok: boolean; latencyMs: number; error?: string };
  /** backend: "s3" or "azure"; mode: "embedded", "s3" or "azure"; bucket: the S3 bucket or Azure container. */
  storage: { backend: string; mode: string; bucket: string; ok: boolean; latencyMs: number; error?: string };
}

export async function checkHealth(services: CoreServices): Promise<HealthReport> {
  const [database, storage] = await Promise.all([services.db.ping(), services.storage.ping()]);
  return {
    status: database.ok && storage.ok ? "ok" : "degraded",
    version: services.version,
    uptimeSeconds: Math.round((Date.now() - services.startedAt.getTime()) / 1000),
    database: { mode: services.db.mode, ...database },
    storage: { backend: services.storage.backend, mode: services.storage.mode, bucket: services.storage.container, ...storage },
  };
}

/** What anyone may see: up or not, per component. Error text, bucket and timings help an attacker more than a caller. */
export interface PublicHealth {
  status: HealthReport["status"];
  database: { mode: string; ok: boolean };
  storage: { backend: string; mode: string; ok: boolean };
}

export function publicHealth(report: HealthReport): PublicHealth {
  return {
    status: report.status,
    database: { mode: report.database.mode, ok: report.database.ok },
    storage: { backend: report.storage.backend, mode: report.storage.mode, ok: report.storage.ok },
  };
}
