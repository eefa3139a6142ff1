// Entry point: one Node process hosting Next.js and Socket.IO on one HTTP server (server/composition-root.ts).
import { buildWebProcess } from "@/server/composition-root";
import { closeOnSignals, readEnvOrExit } from "@/server/composition-root-lifecycle";
import { createLogger } from "@/server/platform/logger";

async function main(): Promise<void> {
  const env = readEnvOrExit();
  const logger = createLogger(env.LOG_LEVEL);
  const web = await buildWebProcess(env, logger);
  const url = await web.start();
  logger.info({ url, mode: env.NODE_ENV !== "production" ? "development" : "production" }, "listening");
  closeOnSignals(web, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
