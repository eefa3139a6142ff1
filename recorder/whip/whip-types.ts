// The WHIP endpoint's contract with the media side and with the app: sessions, options, typed HTTP errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PublisherClaims } from "@/recorder/auth/publisher-token";
import type { SdpFragment } from "@/recorder/whip/sdp-checks";

export type { PublisherClaims };

export type TokenVerdict = { ok: true; claims: PublisherClaims } | { ok: false; reason: string };

/** The media side of one WHIP session; the HTTP layer knows nothing about WebRTC beyond this. */
export interface WhipSession {
  readonly answerSdp: string;
  /** Trickle ICE; omit when unsupported. */
  addRemoteCandidates?(frag: SdpFragment): Promise<void>;
  /** ICE restart; resolves to the answer sdpfrag. Omit when unsupported. */
  restartIce?(frag: SdpFragment): Promise<string>;
  close(reason: string): Promise<void>;
  /** Called once when the media side ends on its own (ICE failure, inactivity). */
  onClosed(listener: (reason: string) => void): void;
}

export interface SessionRequest {
  sessionId: string;
  recordingId: string;
  claims: PublisherClaims;
  offerSdp: string;
}

export type SessionFactory = (request: SessionRequest) => Promise<WhipSession>;

/** Thrown by a SessionFactory to answer with a specific status (e.g. 422 no usable codec, 503 at capacity). */
export class WhipHttpError extends Error {
  /** Its entry in the app's error catalog (lib/errors/catalog.ts). */
  readonly kind = "ingest.refused";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface WhipHandlerOptions {
  verifyPublisherToken: (token: string) => TokenVerdict;
  sessionFactory: SessionFactory;
  basePath?: string;
  maxBodyBytes?: number;
  /** Origins allowed by CORS; undefined means any origin ("*"). */
  allowedOrigins?: string[];
  /** Extra `Link` header values on 201 (e.g. ICE servers, RFC 9725 §4.6). */
  linkHeaders?: string[];
  /** Unexpected failures (answered with 500); the HTTP body never carries their details. */
  onError?: (err: unknown) => void;
  onSessionEvent?: (event: { type: "created" | "closed"; sessionId: string; recordingId: string; reason?: string }) => void;
  /**
   * Asked again once a new session is registered (throws a WhipHttpError to refuse): a stop or pause that ended the
   * recording's sessions while this one negotiated did not find it, and now sees it or is seen by this check.
   */
  readmit?: (claims: SessionRequest["claims"]) => Promise<void>;
}

export interface WhipHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly sessionCount: number;
  closeAll(reason?: string): Promise<void>;
  /** Ends every session publishing into one recording (the recording was stopped). */
  closeRecording(recordingId: string, reason?: string): Promise<void>;
  /** Ends the sessions of one recording whose participant id `match`es (e.g. a participant and their screen share). */
  closeParticipant(recordingId: string, match: (participantId: string) => boolean, reason: string): Promise<void>;
}

/** A live session as the HTTP layer tracks it. */
export interface SessionEntry {
  session: WhipSession;
  recordingId: string;
  participantId: string;
  token: string;
  etag: string;
  remoteUfrag: string;
}
