import type { StoredSession } from "@/recorder/ingest/list-sessions";
import { issueControlToken } from "@/recorder/control/control-token";
import type { ConsentRequest } from "@/recorder/control/consent";

/** What the control endpoint answers for a recording. */
export interface RemoteRecordingState {
  recordingId: string;
  closed: boolean;
  paused: boolean;
  sessions: StoredSession[];
}

export interface RemoteRecordingRequest {
  /** The recorder's origin plus any base path it mounts control under, e.g. `http://recorder:3300`. */
  baseUrl: string;
  secret: string | Buffer;
  recordingId: string;
  timeoutMs?: number;
}

export class RecorderControlError extends Error {
  /** Its entry in the app's error catalog (lib/errors/catalog.ts). */
  readonly kind = "ingest.recorder-unreachable";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function fetchOrFail(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw new RecorderControlError(0, "unreachable", `recorder unreachable at ${url}: ${(err as Error).message}`);
  }
}

async function call(method: "GET" | "PUT" | "DELETE", r: RemoteRecordingRequest, sub = "", body?: unknown): Promise<RemoteRecordingState> {
  const url = `${r.baseUrl.replace(/\/$/, "")}/recordings/${encodeURIComponent(r.recordingId)}${sub}`;
  // A fresh short-lived token per call: nothing long-lived to leak or revoke.
  const token = issueControlToken(r.secret, r.recordingId, 60);
  // Unreachable (refused, timed out) is the same failure as an error answer: the recorder was not told.
  const res = await fetchOrFail(url, {
    method,
    headers:
      body === undefined ? { Authorization: `Bearer ${token}` } : { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(r.timeoutMs ?? 15_000),
  });
  const text = await res.text();
  if (res.status !== 200) {
    let code = "http-error";
    try {
      code = (JSON.parse(text) as { error?: string }).error ?? code;
    } catch {
      // not our JSON (a proxy's error page)
    }
    throw new RecorderControlError(res.status, code, `recorder answered ${res.status} to ${method} ${url}: ${text.slice(0, 200)}`);
  }
  return JSON.parse(text) as RemoteRecordingState;
}

/** Ends every publisher session of the recording at a recorder running elsewhere; new ones are then refused (409). */
export function closeRemoteRecording(r: RemoteRecordingRequest): Promise<RemoteRecordingState> {
  return call("DELETE", r);
}

/** The recording's sessions as a remote recorder has them on disk. */
export function getRemoteRecording(r: RemoteRecordingRequest): Promise<RemoteRecordingState> {
  return call("GET", r);
}

/** Pause at a recorder running elsewhere: its sessions end and new ones are refused (409) until resumed; not final. */
export function pauseRemoteRecording(r: RemoteRecordingRequest): Promise<RemoteRecordingState> {
  return call("PUT", r, "/paused");
}

/** Resume after a pause: the recorder admits publishers of the recording again. */
export function resumeRemoteRecording(r: RemoteRecordingRequest): Promise<RemoteRecordingState> {
  return call("DELETE", r, "/paused");
}

/** A participant's consent decision, to a recorder running elsewhere (written into its manifest and enforced there). */
export function putRemoteConsent(r: RemoteRecordingRequest, consent: ConsentRequest): Promise<RemoteRecordingState> {
  return call("PUT", r, "/consent", consent);
}
