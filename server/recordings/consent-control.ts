// A visitor's recording consent: checked against the text they were shown, enforced at the recorder first (their
// sessions end and new ones are refused there, whoever asks), then stored and announced. Publisher credentials are
// only issued to visitors whose latest decision is "given" (RecordingService.publisher).
import { createHash } from "node:crypto";
import { activeParticipants } from "@/lib/domain/meeting-point";
import { assertDecision, type ConsentDecision, consentNotice, latestConsent } from "@/lib/domain/recording-consent";
import { conflict, forbidden, notFound } from "@/lib/domain/result";
import { isActive } from "@/lib/domain/recording";
import type { Identity } from "@/lib/realtime/identity";
import { userIdOf } from "@/lib/realtime/identity";
import type { ConsentRequest } from "@/recorder/control";
import type { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import type { RecordingConsents } from "@/server/recordings/recording-consents";
import type { RecordingStore } from "@/server/recordings/recording-store";

export interface ConsentControlOptions {
  /** RECORDING_CONSENT_TEXT. */
  text: string;
  /** Tells the recorder of the recording (destination null = co-located); throws when it cannot be told. */
  recordConsent?: (recordingId: string, destination: string | null, request: ConsentRequest) => Promise<void>;
  /** Announces the new state and writes a notice into the ticket's history. */
  announce?: (meetingPointId: string, notice: string) => Promise<void>;
}

export function consentTextSha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export class ConsentControl {
  readonly text: string;
  readonly textSha256: string;

  constructor(
    private readonly consents: RecordingConsents,
    private readonly recordings: RecordingStore,
    private readonly meetingPoints: MeetingPointStore,
    private readonly opts: ConsentControlOptions,
  ) {
    this.text = opts.text;
    this.textSha256 = consentTextSha256(opts.text);
  }

  async decide(
    who: Identity,
    meetingPointId: string,
    decision: ConsentDecision,
    textSha256: string,
  ): Promise<{ decision: ConsentDecision; at: string }> {
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!stored) throw notFound("no such meeting point");
    if (who.kind !== "visitor") throw forbidden("only visitors are asked for recording consent");
    const me = userIdOf(who);
    const mp = stored.meetingPoint;
    const concerned =
      stored.ticketVisitor === me ||
      activeParticipants(mp).some((p) => p.userId === me) ||
      mp.invitations.some((i) => i.inviteeId === me && i.status === "pending");
    if (!concerned) throw forbidden("you are not part of that meeting point");
    const recording = (await this.recordings.forMeetingPoint(meetingPointId)).find(isActive);
    if (!recording) throw conflict("no recording of this meeting point is running");
    if (textSha256 !== this.textSha256)
      throw conflict("the consent text has changed since it was shown; reload the page and read it again");
    const entries = await this.consents.of(recording.id);
    assertDecision(latestConsent(entries, me)?.decision ?? null, decision);
    const displayName = activeParticipants(mp).find((p) => p.userId === me)?.displayName ?? who.name ?? "Visitor";
    // Enforced first: if the recorder cannot be told, nothing is stored and the visitor is told to try again.
    await this.opts.recordConsent?.(recording.id, recording.destination, { participantId: me, displayName, decision, textSha256 });
    const entry = await this.consents.add(recording.id, { userId: me, displayName, decision, textSha256 });
    await this.opts.announce?.(meetingPointId, consentNotice(displayName, decision));
    return { decision: entry.decision, at: entry.at.toISOString() };
  }

  async mayPublish(recordingId: string, userId: string): Promise<boolean> {
    return latestConsent(await this.consents.of(recordingId), userId)?.decision === "given";
  }
}
