// The compositing worker as its own process (`npm run worker`): takes compose-recording jobs from the
// shared PostgreSQL (pg-boss) and stores movies in S3. Run web nodes with WORKER_IN_PROCESS=false then.
// It needs the recorder's raw files: run it where RECORDER_DIR is (the same host or a shared volume).
import { EnvError, loadEnv } from "@/lib/config/env";
import { closeServices, createServices } from "@/server/platform/create-platform";
import { createLogger } from "@/server/platform/logger";
import { startRecordingBackend } from "@/server/recordings/recording-backend";

async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(env.LOG_LEVEL).child({ role: "worker" });
  if (!env.DATABASE_URL) logger.warn("no DATABASE_URL: the embedded database allows one process; run the worker inside the app instead");
  const services = await createServices(env, logger);
  const backend = await startRecordingBackend(env, services, { runWorker: true, logger });
  logger.info({ concurrency: env.COMPOSE_CONCURRENCY }, "worker ready");
  const stop = async (signal: string) => {
    logger.info({ signal }, "worker stopping");
    await backend.close();
    await closeServices(services);
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`Worker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
