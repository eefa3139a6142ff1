// Recording consent: a visitor's media is recorded only after they agree, explicitly, to a stated text; they may
// decline (the call goes on, nothing of theirs is recorded) or withdraw later (their recording stops then). Agents
// are staff: their consent is not asked here. Each decision is kept with the hash of the text it answered.
import { conflict } from "@/lib/domain/result";

/** Used when RECORDING_CONSENT_TEXT is not set (lib/config/env.ts defaults to the same text). */
export const DEFAULT_CONSENT_TEXT =
  "I agree that this call is recorded (my camera, my microphone and any screen I share) and kept as a record of this consultation. I can withdraw my consent at any time during the call; the recording of me stops then.";

export const CONSENT_DECISIONS = ["given", "declined", "withdrawn"] as const;
export type ConsentDecision = (typeof CONSENT_DECISIONS)[number];

export interface ConsentEntry {
  userId: string;
  displayName: string;
  decision: ConsentDecision;
  textSha256: string;
  at: Date;
}

/** Whose media needs their consent before it is recorded. */
export function needsConsent(userId: string): boolean {
  return userId.startsWith("visitor:");
}

/** The decision that counts: the latest one of that user (entries in any order). */
export function latestConsent(entries: readonly ConsentEntry[], userId: string): ConsentEntry | null {
  let latest: ConsentEntry | null = null;
  for (const e of entries) if (e.userId === userId && (!latest || e.at.getTime() >= latest.at.getTime())) latest = e;
  return latest;
}

export function mayBeRecorded(entries: readonly ConsentEntry[], userId: string): boolean {
  return !needsConsent(userId) || latestConsent(entries, userId)?.decision === "given";
}

/**
 * Checks a new decision against the previous one. "withdrawn" takes back a consent that was given; "declined"
 * answers the question without having agreed; "given" may follow either. Repeating the current state is refused,
 * so the history holds only real changes.
 */
export function assertDecision(previous: ConsentDecision | null, next: ConsentDecision): void {
  if (next === "withdrawn" && previous !== "given") throw conflict("there is no consent to withdraw");
  if (next === "declined" && previous === "given") throw conflict("consent was given: withdraw it instead");
  if (next === "declined" && previous === "declined") throw conflict("recording was already declined");
  if (next === "given" && previous === "given") throw conflict("consent was already given");
}

/** The notice everyone in the call reads (and the ticket's history keeps). */
export function consentNotice(name: string, decision: ConsentDecision): string {
  switch (decision) {
    case "given":
      return `${name} agreed to be recorded.`;
    case "declined":
      return `${name} did not agree to be recorded: their camera, microphone and screen are left out of the recording.`;
    case "withdrawn":
      return `${name} withdrew their consent: they are no longer recorded from now on.`;
  }
}
