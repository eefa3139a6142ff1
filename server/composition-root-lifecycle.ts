// What every process's composition root shares: services owned in the order they were built and closed in
// reverse, the one way to read the environment at start-up, and shutdown on SIGTERM/SIGINT with a watchdog.
import { EnvError, loadEnv, type Env } from "@/lib/config/env";
import type { Logger } from "@/server/platform/logger";

/** Owns long-lived services: each is registered once it is built and closed in reverse order. */
export class Lifecycle {
  private readonly owned: { name: string; close: () => Promise<void> | void }[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers `value` (just built) with how to close it; returns it. */
  own<T>(name: string, value: T, close: (value: T) => Promise<void> | void): T {
    this.owned.push({ name, close: () => close(value) });
    return value;
  }

  /** Closes everything in reverse order; a failure is logged and the rest still close. */
  async closeAll(): Promise<void> {
    for (const { name, close } of this.owned.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err, service: name }, "closing a service failed");
      }
    }
  }
}

/** Builds with `build`; if it throws half-way, whatever was already built is closed before rethrowing. */
export async function buildOwned<T>(logger: Logger, build: (lifecycle: Lifecycle) => Promise<T>): Promise<T> {
  const lifecycle = new Lifecycle(logger);
  try {
    return await build(lifecycle);
  } catch (error) {
    await lifecycle.closeAll();
    throw error;
  }
}

/** The app's environment, or one stderr line naming the bad variable and exit 1. */
export function readEnvOrExit(): Env {
  try {
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export interface RunningProcess {
  close(): Promise<void>;
}

/**
 * SIGTERM/SIGINT close the process's services once, then flush the logs and exit 0; a shutdown that takes
 * longer than `graceMs` exits 1.
 */
export function closeOnSignals(running: RunningProcess, logger: Logger, graceMs = 10_000): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      logger.flush();
      process.exit(1);
    }, graceMs);
    force.unref();
    await running.close();
    logger.info("stopped");
    logger.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
