// Public surface of the recorder's ingest core; everything else under recorder/ is internal.
export { createRecorderIngest, sessionDirectory, type RecorderIngestOptions } from "./create-ingest";
export { issuePublisherToken, verifyPublisherToken, type PublisherClaims, type PublisherTokenVerdict } from "../auth/publisher-token";
export { createWhipHandler, WhipHttpError, type WhipHandler, type WhipHandlerOptions, type WhipSession, type SessionFactory, type SessionRequest } from "../whip/whip-handler";
export { PublisherSession, publisherSessionFactory, type PublisherSessionOptions } from "./publisher-session";
export { RawTrackWriter, rawTrackWriterFactory, type RawTrackWriterOptions } from "../pipeline/raw-track-writer";
export type { TrackInfo, TrackSink, TrackSinkFactory, RtpLike, SenderReportLike } from "../pipeline/types";
export { listRecordingSessions, type StoredSession } from "./list-sessions";
