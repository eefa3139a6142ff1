// The error catalog: every code the app answers with (HTTP API bodies `{ok:false, code, message}` and socket acks),
// its HTTP status, and how each error raised inside the app (domain, ingest, compositing, storage, start-up) is
// answered. Errors are recognised by their fields, not by `instanceof`: Next bundles route handlers apart from the
// server entry, so one class can exist twice in the process.
import { isDomainError } from "@/lib/domain/result";
import { isServiceUnavailable } from "@/lib/errors/service-unavailable";

/** The codes clients see, with their HTTP status. */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, meaning: "malformed or invalid input; the message names the field" },
  UNAUTHENTICATED: { status: 401, meaning: "no valid session or visitor token" },
  FORBIDDEN: { status: 403, meaning: "authenticated, but not allowed (not the host, not an agent, cross-site request)" },
  NOT_FOUND: { status: 404, meaning: "no such thing, or not visible to the caller" },
  CONFLICT: { status: 409, meaning: "not allowed in the current state (the message says which)" },
  RATE_LIMITED: { status: 429, meaning: "too many requests of this kind; try again later" },
  INSUFFICIENT_STORAGE: { status: 507, meaning: "the recorder's disk is too full to start a recording" },
  UNAVAILABLE: { status: 503, meaning: "a service the request needs is briefly unreachable; try again" },
  INTERNAL: { status: 500, meaning: "an unexpected failure; logged, details never sent" },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Failures raised inside the app, keyed by the `kind` field their error classes carry, with the code a client
 * sees when one reaches a request. The recorder answers its own WHIP and control requests (problem+json with its
 * own status); its errors are listed for what they mean to the app that calls it.
 */
export const FAILURE_KINDS = {
  "config.invalid": { area: "start-up", code: "INTERNAL", meaning: "an environment variable failed validation (EnvError)" },
  "database.migration-failed": {
    area: "start-up",
    code: "INTERNAL",
    meaning: "a migration failed or its ledger disagrees (MigrationError)",
  },
  "database.unreachable": { area: "database", code: "UNAVAILABLE", meaning: "PostgreSQL/PGlite refused or dropped the connection" },
  "ingest.refused": {
    area: "ingest",
    code: "BAD_REQUEST",
    meaning: "the WHIP endpoint refused a request (WhipHttpError, its status in the answer)",
  },
  "ingest.body-too-large": {
    area: "ingest",
    code: "BAD_REQUEST",
    meaning: "a WHIP body exceeded the limit while streaming (BodyTooLargeError)",
  },
  "ingest.recorder-unreachable": {
    area: "ingest",
    code: "UNAVAILABLE",
    meaning: "the recorder owning a recording did not answer its control API (RecorderControlError)",
  },
  "compositing.tool-missing": {
    area: "compositing",
    code: "INTERNAL",
    meaning: "ffmpeg or ffprobe is not installed (FfmpegError/FfprobeError *-not-found)",
  },
  "compositing.tool-failed": { area: "compositing", code: "INTERNAL", meaning: "ffmpeg or ffprobe failed, timed out or was killed" },
  "compositing.track-missing": {
    area: "compositing",
    code: "INTERNAL",
    meaning: "a track the manifest names is missing or unreadable (MissingTrackError); retried, then the recording fails",
  },
  "compositing.empty-recording": { area: "compositing", code: "INTERNAL", meaning: "nothing was captured (ComposeError)" },
  "storage.upload-unverified": {
    area: "storage",
    code: "UNAVAILABLE",
    meaning: "the object store does not hold what was uploaded (UploadVerificationError); retried",
  },
} as const satisfies Record<string, { area: string; code: ErrorCode; meaning: string }>;

export type FailureKind = keyof typeof FAILURE_KINDS;

/** What a client is told about an error: a catalog code, its status, and a message safe to send. */
export interface ErrorAnswer {
  code: ErrorCode;
  status: number;
  message: string;
  /** False when the error is unexpected or internal: log it; the message is a generic one. */
  expected: boolean;
}

const GENERIC: Partial<Record<ErrorCode, string>> = {
  UNAVAILABLE: "the service is briefly unavailable; try again",
  INTERNAL: "the request failed; try again",
};

function answer(code: ErrorCode, message: string, expected: boolean): ErrorAnswer {
  return { code, status: ERROR_CODES[code].status, message: expected ? message : (GENERIC[code] ?? message), expected };
}

/** The one mapping from an error to what a client sees (HTTP routes and socket acks alike). */
export function answerFor(error: unknown): ErrorAnswer {
  const e = (typeof error === "object" && error !== null ? error : {}) as { kind?: unknown };
  // Domain refusals (DomainError) carry a client code and a message written for the client.
  if (isDomainError(error)) return answer(error.code, error.message, true);
  if (typeof e.kind === "string" && e.kind in FAILURE_KINDS) return answer(FAILURE_KINDS[e.kind as FailureKind].code, "", false);
  if (isServiceUnavailable(error)) return answer("UNAVAILABLE", "", false);
  return answer("INTERNAL", "", false);
}
