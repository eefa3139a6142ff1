// Every request over the socket is answered with one of these, so a client can always tell
// success from refusal and why.
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; code: ErrorCode; message: string };

export type ErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "RATE_LIMITED"
  | "INSUFFICIENT_STORAGE"
  /** A service the request needs (the database) is briefly unreachable: try again shortly. */
  | "UNAVAILABLE"
  | "INTERNAL";

export function refuse(code: ErrorCode, message: string): Ack<never> {
  return { ok: false, code, message };
}
