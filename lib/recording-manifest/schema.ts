import { z } from "zod";

/**
 * The recording manifest's contract (recorder/MANIFEST.md): every line kind of `manifest.jsonl`. The recorder writes
 * only lines that satisfy it and every reader (compositor, crash recovery, the recorder's own limits) parses with it.
 * Fields added after the first manifests were recorded are optional, so an old recording still composes.
 */

const time = z.number().finite();
const base = { atMs: time, sessionId: z.string().min(1) };
const trackId = z.string().min(1);

export const MEDIA_KINDS = ["audio", "video"] as const;
export const RECORDED_CODECS = ["opus", "vp8", "h264"] as const;
export const SESSION_SOURCES = ["camera", "screen", "external"] as const;
/** Reasons the recorder itself writes; `session-end.reason` also accepts others (a publisher's close reason). */
export const SESSION_END_REASONS = [
  "deleted",
  "inactive",
  "ice-failed",
  "connection-failed",
  "negotiation-failed",
  "recording-stopped",
  "shutdown",
  "limit-duration",
  "limit-disk",
  "recovered-after-crash",
  "consent-withdrawn",
] as const;

const kind = z.enum(MEDIA_KINDS);

export const sessionStartLine = z.object({
  type: z.literal("session-start"),
  ...base,
  participantId: z.string().min(1),
  displayName: z.string(),
  source: z.enum(SESSION_SOURCES),
  /** Audio+video m-lines of the offer; absent in manifests written before the track limit existed. */
  offeredTracks: z.number().int().nonnegative().optional(),
});
export const trackStartLine = z.object({
  type: z.literal("track-start"),
  ...base,
  trackId,
  kind,
  codec: z.enum(RECORDED_CODECS),
  file: z.string().min(1),
  mediaZeroMs: time,
});
/** The last track-sync of a track wins. `alignedZeroMs`/`transitMs` are absent in older manifests. */
export const trackSyncLine = z.object({
  type: z.literal("track-sync"),
  ...base,
  trackId,
  mediaZeroNtpMs: time,
  transitMs: time.optional(),
  alignedZeroMs: time.optional(),
});
export const videoSizeLine = z.object({
  type: z.literal("video-size"),
  ...base,
  trackId,
  mediaMs: time,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export const audioLevelLine = z.object({
  type: z.literal("audio-level"),
  ...base,
  trackId,
  fromMs: time,
  toMs: time,
  dBov: z.number().min(-127).max(0),
  voice: z.number().min(0).max(1),
});
export const muteLine = z.object({ type: z.enum(["mute", "unmute"]), ...base, trackId, kind, mediaMs: time });
export const trackEndLine = z.object({
  type: z.literal("track-end"),
  ...base,
  trackId,
  durationMs: z.number().nonnegative(),
  frames: z.number().int().nonnegative(),
});
export const sessionEndLine = z.object({ type: z.literal("session-end"), ...base, reason: z.string().min(1) });

/**
 * A participant's recording consent, as the app recorded it (who, when, to which text). `declined` and `withdrawn`
 * mean nothing of theirs is recorded from `atMs` on (the recorder ends their sessions and refuses new ones) and the
 * movie shows their name tile marked "not recorded" until a later `given`; `given` admits their media again.
 */
export const CONSENT_DECISIONS = ["given", "declined", "withdrawn"] as const;
export const consentLine = z.object({
  type: z.literal("consent"),
  atMs: time,
  /** The participant's id as in `session-start` (`visitor:<uuid>`); their screen share follows it. */
  participantId: z.string().min(1),
  displayName: z.string(),
  decision: z.enum(CONSENT_DECISIONS),
  /** SHA-256 (hex) of the consent text shown to the participant (RECORDING_CONSENT_TEXT). */
  textSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestLine = z.union([
  sessionStartLine,
  trackStartLine,
  trackSyncLine,
  videoSizeLine,
  audioLevelLine,
  muteLine,
  trackEndLine,
  sessionEndLine,
  consentLine,
]);

/** Each line kind's schema by its `type`, for errors that name the field at fault. */
export const manifestLineSchemas = {
  "session-start": sessionStartLine,
  "track-start": trackStartLine,
  "track-sync": trackSyncLine,
  "video-size": videoSizeLine,
  "audio-level": audioLevelLine,
  mute: muteLine,
  unmute: muteLine,
  "track-end": trackEndLine,
  "session-end": sessionEndLine,
  consent: consentLine,
} as const;

export type ManifestLine = z.infer<typeof manifestLine>;
export type ManifestLineType = ManifestLine["type"];
export type ManifestLineOf<T extends ManifestLineType> = Extract<ManifestLine, { type: T }>;
export type SessionStartLine = z.infer<typeof sessionStartLine>;
export type TrackStartLine = z.infer<typeof trackStartLine>;
export type TrackSyncLine = z.infer<typeof trackSyncLine>;
export type VideoSizeLine = z.infer<typeof videoSizeLine>;
export type AudioLevelLine = z.infer<typeof audioLevelLine>;
export type MuteLine = z.infer<typeof muteLine>;
export type TrackEndLine = z.infer<typeof trackEndLine>;
export type SessionEndLine = z.infer<typeof sessionEndLine>;
export type ConsentLine = z.infer<typeof consentLine>;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];
export type MediaKind = (typeof MEDIA_KINDS)[number];
export type RecordedCodec = (typeof RECORDED_CODECS)[number];
export type SessionSource = (typeof SESSION_SOURCES)[number];

/** Fields a per-track line carries that the track itself does not know (the session and recording fill them in). */
type TrackAddressFields = "atMs" | "sessionId" | "trackId" | "kind" | "codec" | "file";
type TrackLine = TrackStartLine | TrackSyncLine | VideoSizeLine | AudioLevelLine | MuteLine | TrackEndLine;
/** A per-track line as the track reports it: without its session, track id and recording-relative file. */
export type TrackLineBody<L extends TrackLine = TrackLine> = L extends TrackLine ? Omit<L, TrackAddressFields> : never;

/** The id the recorder gives a track: `<sessionId>/track<N>-<kind>`, N counting the session's tracks from 0. */
export function manifestTrackId(sessionId: string, trackIndex: number, kind: MediaKind): string {
  return `${sessionId}/track${trackIndex}-${kind}`;
}
