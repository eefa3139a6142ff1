// Public surface of the recorder's control API (server side and the app's client).
export { createRecorderControl, CLOSED_MARKER, type RecorderControl, type RecorderControlOptions } from "./control-handler";
export { issueControlToken, verifyControlToken, type ControlTokenVerdict } from "./control-token";
export { closeRemoteRecording, getRemoteRecording, RecorderControlError, type RemoteRecordingRequest, type RemoteRecordingState } from "./control-client";
export { fetchRecordingFiles, listRecordingFiles, type FetchRecordingRequest, type RecordingFile } from "./recording-files";
