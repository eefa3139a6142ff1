// The compositing worker as its own process (`npm run worker`): takes compose-recording jobs from the
// shared PostgreSQL (pg-boss) and stores movies in S3. Run web nodes with WORKER_IN_PROCESS=false then.
// Raw files: read from its own RECORDER_DIR when the recording is there (same host or a shared volume), otherwise
// fetched from the recorder that captured it (a standalone recorder, or a web node with NODE_URL set) through its
// control API. With neither, the recording fails with a reason saying so; it never becomes a blank movie.
import { buildWorkerProcess } from "@/server/composition-root";
import { closeOnSignals, readEnvOrExit } from "@/server/composition-root-lifecycle";
import { createLogger } from "@/server/platform/logger";

async function main(): Promise<void> {
  const env = readEnvOrExit();
  const logger = createLogger(env.LOG_LEVEL).child({ role: "worker" });
  if (!env.DATABASE_URL) logger.warn("no DATABASE_URL: the embedded database allows one process; run the worker inside the app instead");
  const worker = await buildWorkerProcess(env, logger);
  logger.info({ concurrency: env.COMPOSE_CONCURRENCY }, "worker ready");
  closeOnSignals(worker, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`Worker failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
