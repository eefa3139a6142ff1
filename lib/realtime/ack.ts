// Every request over the socket is answered with one of these, so a client can always tell
// success from refusal and why (codes: lib/errors/catalog.ts).
import type { ErrorCode } from "@/lib/errors/catalog";
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; code: ErrorCode; message: string };

export type { ErrorCode };

export function refuse(code: ErrorCode, message: string): Ack<never> {
  return { ok: false, code, message };
}
