// Public surface of the recorder's control API (server side and the app's client).
export {
  createRecorderControl,
  CLOSED_MARKER,
  PAUSED_MARKER,
  type RecorderControl,
  type RecorderControlOptions,
} from "@/recorder/control/control-handler";
export { issueControlToken, verifyControlToken, type ControlTokenVerdict } from "@/recorder/control/control-token";
export {
  closeRemoteRecording,
  getRemoteRecording,
  pauseRemoteRecording,
  putRemoteConsent,
  RecorderControlError,
  resumeRemoteRecording,
  type RemoteRecordingRequest,
  type RemoteRecordingState,
} from "@/recorder/control/control-client";
export {
  fetchRecordingFiles,
  listRecordingFiles,
  type FetchRecordingRequest,
  type RecordingFile,
} from "@/recorder/control/recording-files";
export { ConsentLedger, consentRequest, consentSubject, isParticipantOrTheirs, type ConsentRequest } from "@/recorder/control/consent";
