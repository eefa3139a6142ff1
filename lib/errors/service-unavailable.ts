// Whether an error means a service the request needed (the database, mostly) was briefly unreachable, as
// opposed to a bug: the client is then told UNAVAILABLE ("try again") rather than INTERNAL.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTCONN"]);
// PostgreSQL: connection exceptions (class 08), admin shutdown / crash / cannot connect now (57P01-57P03).
// Prisma: cannot reach / timed out / server closed the connection (P1001, P1002, P1008, P1017), no pool slot (P2024).
const POSTGRES_CODES = /^(08\w{3}|57P0[1-3]|P100[128]|P1017|P2024)$/;
const MESSAGES =
  /connection terminated|connection error|timeout exceeded when trying to connect|server closed the connection|connect ECONNREFUSED/i;

export function isServiceUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
  const code = typeof e.code === "string" ? e.code : "";
  if (NETWORK_CODES.has(code) || POSTGRES_CODES.test(code)) return true;
  if (typeof e.message === "string" && MESSAGES.test(e.message)) return true;
  // Prisma's driver adapter keeps the pg error underneath.
  return (
    isServiceUnavailable(e.cause, depth + 1) ||
    isServiceUnavailable(e.meta?.driverAdapterError?.cause, depth + 1) ||
    isServiceUnavailable(e.meta?.driverAdapterError, depth + 1)
  );
}
