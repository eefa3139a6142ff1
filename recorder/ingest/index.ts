// Public surface of the recorder's ingest core; everything else under recorder/ is internal.
export { createRecorderIngest, sessionDirectory, type RecorderIngestOptions } from "@/recorder/ingest/create-ingest";
export {
  issuePublisherToken,
  verifyPublisherToken,
  PUBLISHER_SOURCES,
  type PublisherClaims,
  type PublisherSource,
  type PublisherTokenVerdict,
} from "@/recorder/auth/publisher-token";
export {
  createWhipHandler,
  WhipHttpError,
  type WhipHandler,
  type WhipHandlerOptions,
  type WhipSession,
  type SessionFactory,
  type SessionRequest,
} from "@/recorder/whip/whip-handler";
export { PublisherSession, type PublisherSessionOptions } from "@/recorder/ingest/publisher-session";
export { publisherSessionFactory } from "@/recorder/ingest/publisher-session-factory";
export { RawTrackWriter, rawTrackWriterFactory, type RawTrackWriterOptions } from "@/recorder/pipeline/raw-track-writer";
export type {
  TrackInfo,
  TrackSink,
  TrackSinkFactory,
  RtpLike,
  SenderReportLike,
  TrackEvent,
  TrackEndStats,
  ReceiveStats,
} from "@/recorder/pipeline/types";
export { listRecordingSessions, type StoredSession } from "@/recorder/ingest/list-sessions";
export {
  checkFreeSpace,
  DEFAULT_MAX_RECORDING_MS,
  DEFAULT_MAX_TRACKS_PER_RECORDING,
  DEFAULT_MIN_FREE_BYTES,
  type FreeSpace,
} from "@/recorder/ingest/limits";
export { manifestPath, readManifest, MANIFEST_FILE, type ManifestEvent } from "@/recorder/ingest/manifest";
export type { ReceiveImpairment, ImpairmentCounters } from "@/recorder/ingest/impairment";
