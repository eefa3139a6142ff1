// Who may see a recording (list it, play it, watch it live, keep, delete, change its layout). Consultation
// recordings are medical records: by default an agent sees those of the tickets they handled; supervisors and
// admins see all. RECORDINGS_VISIBLE_TO=all lets every agent see every recording.
import { canSupervise, type Role } from "@/lib/domain/agent-account";

export const RECORDING_VISIBILITIES = ["handled", "all"] as const;
export type RecordingVisibility = (typeof RECORDING_VISIBILITIES)[number];

/**
 * The agents a recording belongs to: the meeting point's host, the agent its ticket is assigned to, and the agent
 * who started it (who keeps it after handing the ticket on by a transfer).
 */
export interface RecordingOwners {
  hostId: string | null;
  ticketAgentId: string | null;
  starterId?: string | null;
}

export function canSeeRecording(who: { id: string; role: Role }, owners: RecordingOwners, visibility: RecordingVisibility): boolean {
  if (visibility === "all" || canSupervise(who.role)) return true;
  return owners.hostId === who.id || owners.ticketAgentId === who.id || owners.starterId === who.id;
}

/** Agents (besides supervisors and admins) to tell about a change of the recording; "all" for every agent. */
export function recordingAudience(owners: RecordingOwners, visibility: RecordingVisibility): string[] | "all" {
  if (visibility === "all") return "all";
  return [...new Set([owners.hostId, owners.ticketAgentId, owners.starterId].filter((id): id is string => !!id))];
}
