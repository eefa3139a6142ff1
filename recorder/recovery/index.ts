// Public surface of crash recovery.
export {
  recoverUnfinishedSessions, RECOVERED_REASON, type RecoveredRecording, type RecoveredSession, type RecoveredTrack,
} from "./recover-sessions";
export { repairMatroskaFile, type MatroskaRepair, type RepairStatus } from "./repair-matroska";
