// Public surface of reading back what the recorder wrote: crash recovery, and how far a growing track is readable.
export {
  recoverUnfinishedSessions,
  RECOVERED_REASON,
  type RecoveredRecording,
  type RecoveredSession,
  type RecoveredTrack,
} from "@/recorder/recovery/recover-sessions";
export { repairMatroskaFile, type MatroskaRepair, type RepairStatus } from "@/recorder/recovery/repair-matroska";
export { ReadableEnd } from "@/recorder/recovery/readable-end";
