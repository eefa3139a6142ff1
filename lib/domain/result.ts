import type { ErrorCode } from "../realtime/ack";

export class DomainError extends Error {
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
