// Public surface of crash recovery.
export {
  recoverUnfinishedSessions,
  RECOVERED_REASON,
  type RecoveredRecording,
  type RecoveredSession,
  type RecoveredTrack,
} from "@/recorder/recovery/recover-sessions";
export { repairMatroskaFile, type MatroskaRepair, type RepairStatus } from "@/recorder/recovery/repair-matroska";
