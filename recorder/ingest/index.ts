// Public surface of the recorder's ingest core; everything else under recorder/ is internal.
export { createRecorderIngest, sessionDirectory, type RecorderIngestOptions } from "./create-ingest";
export {
  issuePublisherToken, verifyPublisherToken, PUBLISHER_SOURCES, type PublisherClaims, type PublisherSource, type PublisherTokenVerdict,
} from "../auth/publisher-token";
export { createWhipHandler, WhipHttpError, type WhipHandler, type WhipHandlerOptions, type WhipSession, type SessionFactory, type SessionRequest } from "../whip/whip-handler";
export { PublisherSession, publisherSessionFactory, type PublisherSessionOptions } from "./publisher-session";
export { RawTrackWriter, rawTrackWriterFactory, type RawTrackWriterOptions } from "../pipeline/raw-track-writer";
export type { TrackInfo, TrackSink, TrackSinkFactory, RtpLike, SenderReportLike, TrackEvent, TrackEndStats, ReceiveStats } from "../pipeline/types";
export { listRecordingSessions, type StoredSession } from "./list-sessions";
export {
  checkFreeSpace, DEFAULT_MAX_RECORDING_MS, DEFAULT_MAX_TRACKS_PER_RECORDING, DEFAULT_MIN_FREE_BYTES, type FreeSpace,
} from "./limits";
export { manifestPath, readManifest, MANIFEST_FILE, type ManifestEvent } from "./manifest";
export type { ReceiveImpairment, ImpairmentCounters } from "./impairment";
