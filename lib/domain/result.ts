import type { ErrorCode } from "@/lib/errors/catalog";

// Next bundles route handlers separately from the server entry, so one class can exist twice in the
// process and `instanceof` fails across the boundary; a registry-wide symbol identifies both copies.
const DOMAIN_ERROR = Symbol.for("video-help-desk.DomainError");

export function isDomainError(error: unknown): error is DomainError {
  return typeof error === "object" && error !== null && (error as { [DOMAIN_ERROR]?: boolean })[DOMAIN_ERROR] === true;
}

export class DomainError extends Error {
  readonly [DOMAIN_ERROR] = true;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const forbidden = (message: string) => new DomainError("FORBIDDEN", message);
export const conflict = (message: string) => new DomainError("CONFLICT", message);
export const notFound = (message: string) => new DomainError("NOT_FOUND", message);
export const badRequest = (message: string) => new DomainError("BAD_REQUEST", message);
export const insufficientStorage = (message: string) => new DomainError("INSUFFICIENT_STORAGE", message);
