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
  // A refusal by policy is a sentence for the operator, not a crash.
  if ((error as { kind?: string })?.kind === "config.invalid") process.stderr.write(`${(error as Error).message}\n`);
  else process.stderr.write(`Start-up failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
