import pino, { type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  // Synchronous stdout so the last lines before an exit or crash are never lost in a buffer.
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ sync: true }));
}
