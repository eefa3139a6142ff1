// Application service for recording control: the domain decides, the store keeps the state, the
// co-located recorder ingests. Publishers get short-lived tokens the recorder verifies on its own.
import { randomUUID } from "node:crypto";
import { activeParticipants } from "../../lib/domain/meeting-point";
import { conflict, forbidden, notFound } from "../../lib/domain/result";
import { controlRecording, isActive, startRecording, type Recording } from "../../lib/domain/recording";
import type { Identity } from "../../lib/realtime/identity";
import { userIdOf } from "../../lib/realtime/identity";
import { issuePublisherToken, listRecordingSessions, WhipHttpError, type StoredSession } from "../../recorder/ingest";
import type { MeetingPointStore } from "../db/meeting-point-store";
import type { RecordingStore } from "../db/recording-store";

export interface RecordingServiceOptions {
  publisherSecret: string;
  /** Base of the recorder's WHIP endpoint, e.g. https://rec.example.com/whip */
  whipBaseUrl: string;
  /** Where the co-located recorder keeps raw tracks (read for the recording's details). */
  directory: string;
  tokenTtlSeconds?: number;
  /** Ends the co-located recorder's sessions of a stopped recording. */
  closeRecording?: (recordingId: string) => Promise<void>;
}

export interface RecordingDetails {
  id: string;
  meetingPointId: string;
  status: Recording["status"];
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  participants: { participantId: string; displayName: string }[];
  sessions: StoredSession[];
}

export class RecordingService {
  constructor(
    private readonly recordings: RecordingStore,
    private readonly meetingPoints: MeetingPointStore,
    private readonly opts: RecordingServiceOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async start(who: Identity, meetingPointId: string): Promise<Recording> {
    return this.meetingPoints.withLocked(meetingPointId, async (tx, stored) => {
      const existing = await this.recordings.forMeetingPoint(meetingPointId, tx);
      const recording = startRecording(stored.meetingPoint, userIdOf(who), existing, { now: this.clock(), newId: randomUUID });
      await this.recordings.insert(recording, tx);
      return recording;
    });
  }

  async stop(who: Identity, meetingPointId: string): Promise<Recording> {
    const stopped = await this.meetingPoints.withLocked(meetingPointId, async (tx, stored) => {
      const active = (await this.recordings.forMeetingPoint(meetingPointId, tx)).find(isActive);
      if (!active) throw conflict("no recording of this meeting point is running");
      const next = controlRecording(active, stored.meetingPoint, userIdOf(who), { type: "stop" }, this.clock());
      await this.recordings.save(next, tx);
      return next;
    });
    await this.opts.closeRecording?.(stopped.id);
    return stopped;
  }

  /** The call went live: an armed recording starts capturing. */
  async callStarted(meetingPointId: string): Promise<void> {
    const armed = (await this.recordings.forMeetingPoint(meetingPointId)).find((r) => r.status === "armed");
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!armed || !stored) return;
    await this.recordings.save(controlRecording(armed, stored.meetingPoint, "system", { type: "callStarted" }, this.clock()));
  }

  /**
   * A WHIP credential for the running recording: for a participant of the call (their own media) or, by
   * the host, for an external source such as a camera or OBS.
   */
  async publisher(who: Identity, meetingPointId: string, name?: string): Promise<{ recordingId: string; whipUrl: string; token: string; expiresAt: string }> {
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!stored) throw notFound("no such meeting point");
    const me = userIdOf(who);
    const isHost = me === stored.meetingPoint.hostId;
    const inCall = activeParticipants(stored.meetingPoint).some((p) => p.userId === me);
    if (name !== undefined ? !isHost : !inCall) throw forbidden("only the host adds sources; participants publish their own media");
    const recording = (await this.recordings.forMeetingPoint(meetingPointId)).find(isActive);
    if (!recording) throw conflict("no recording of this meeting point is running");
    const participantId = name !== undefined ? `source:${randomUUID()}` : me;
    const displayName = name ?? who.name ?? "Participant";
    const ttl = this.opts.tokenTtlSeconds ?? 120;
    const token = issuePublisherToken(this.opts.publisherSecret, { recordingId: recording.id, participantId, displayName }, { ttlSeconds: ttl });
    return {
      recordingId: recording.id,
      whipUrl: `${this.opts.whipBaseUrl}/${recording.id}`,
      token,
      expiresAt: new Date(this.clock().getTime() + ttl * 1000).toISOString(),
    };
  }

  /** Refuses media for a recording that is not running (a token outlives a stop by up to its TTL). */
  async admit(claims: { recordingId: string }): Promise<void> {
    const recording = await this.recordings.find(claims.recordingId);
    if (!recording) throw new WhipHttpError(404, "unknown-recording", "no such recording");
    if (!isActive(recording)) throw new WhipHttpError(409, "recording-not-running", `the recording is ${recording.status}`);
  }

  async details(who: Identity, recordingId: string): Promise<RecordingDetails> {
    if (who.kind !== "agent") throw forbidden("recordings are visible to agents only");
    const recording = await this.recordings.find(recordingId);
    if (!recording) throw notFound("no such recording");
    const sessions = await listRecordingSessions(this.opts.directory, recordingId);
    const participants = [...new Map(sessions.map((s) => [s.participantId, { participantId: s.participantId, displayName: s.displayName }])).values()];
    const iso = (d: Date | null) => (d ? d.toISOString() : null);
    return {
      id: recording.id,
      meetingPointId: recording.meetingPointId,
      status: recording.status,
      createdAt: recording.createdAt.toISOString(),
      startedAt: iso(recording.startedAt),
      stoppedAt: iso(recording.stoppedAt),
      participants,
      sessions,
    };
  }
}
