// Application service for recording control: the domain decides, the store keeps the state, the
// co-located recorder ingests. Publishers get short-lived tokens the recorder verifies on its own.
import { randomUUID } from "node:crypto";
import { activeParticipants } from "@/lib/domain/meeting-point";
import { badRequest, conflict, forbidden, notFound } from "@/lib/domain/result";
import { controlRecording, isActive, startRecording, type Recording, type RecordingCommand } from "@/lib/domain/recording";
import type { Identity } from "@/lib/realtime/identity";
import { userIdOf } from "@/lib/realtime/identity";
import { issuePublisherToken, WhipHttpError } from "@/recorder/ingest";
import type { ConsentRequest } from "@/recorder/control";
import { needsConsent } from "@/lib/domain/recording-consent";
import type { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import type { RecordingStore } from "@/server/recordings/recording-store";

export interface RecordingServiceOptions {
  publisherSecret: string;
  /** Base of the co-located recorder's WHIP endpoint, e.g. https://desk.example.com/whip */
  whipBaseUrl: string;
  /**
   * This node's recorder as other nodes reach it (several app nodes): stamped as the destination of recordings
   * started here so that every participant, on whichever node, publishes to the same recorder.
   */
  ownRecorderUrl?: string | null;
  /** WHIP bases of other recorder deployments a host may choose as destination (same shared secret). */
  destinations?: string[];
  tokenTtlSeconds?: number;
  /** Ends the recorder's sessions of a recording that stopped, for good (destination null = co-located). */
  closeRecording?: (recordingId: string, destination: string | null) => Promise<void>;
  /**
   * Pause (true): the recorder ends the recording's sessions and refuses publishers until resume (false). A
   * standalone recorder keeps this state itself; the co-located one asks `admit`, which reads the status.
   */
  pauseRecording?: (recordingId: string, destination: string | null, paused: boolean) => Promise<void>;
  /** Refuses to start when the recorder cannot take it (e.g. low disk); throws a DomainError. */
  preflight?: () => Promise<void>;
  /** Readies the recorder for a recording just started (the co-located one makes its folder). */
  prepare?: (recording: Recording) => Promise<void>;
  /** Tells people: announce the new state and write a notice into the ticket's history. */
  announce?: (meetingPointId: string, notice: string) => Promise<void>;
  /** After every status change (the compositing pipeline and webhooks follow these). */
  onChange?: (recording: Recording) => Promise<void> | void;
  /** RECORDING_CONSENT_TEXT: what visitors agree to before their media is recorded. */
  consentText?: string;
  /** Tells the recorder a participant's consent decision (destination null = co-located). */
  recordConsent?: (recordingId: string, destination: string | null, request: ConsentRequest) => Promise<void>;
  /** Whether a participant who needs consent gave it for this recording (wired by createHelpDesk). */
  mayPublish?: (recordingId: string, userId: string) => Promise<boolean>;
}

export type RecordingAction = "pause" | "resume";
export type PublisherSource = "camera" | "screen" | "external";

const LOCAL = "local";

export class RecordingService {
  constructor(
    private readonly recordings: RecordingStore,
    private readonly meetingPoints: MeetingPointStore,
    private readonly opts: RecordingServiceOptions,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Starts (or arms, before the call) a recording; `destination` names another recorder deployment. */
  async start(who: Identity, meetingPointId: string, destination?: string): Promise<Recording> {
    // Who asks is checked before anything about the recorder (destinations, free disk) is said.
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!stored) throw notFound("no such meeting point");
    if (stored.meetingPoint.hostId !== userIdOf(who)) throw forbidden("only the meeting point's host can record");
    const remote = destination === undefined || destination === LOCAL ? null : destination.replace(/\/+$/, "");
    if (remote !== null && !(this.opts.destinations ?? []).includes(remote)) {
      throw badRequest(`unknown recording destination; configured: ${[LOCAL, ...(this.opts.destinations ?? [])].join(", ")}`);
    }
    await this.opts.preflight?.();
    const recording = await this.meetingPoints.withLocked(meetingPointId, async (tx, stored) => {
      const existing = await this.recordings.forMeetingPoint(meetingPointId, tx);
      const started = startRecording(stored.meetingPoint, userIdOf(who), existing, {
        now: this.clock(),
        newId: randomUUID,
        destination: remote ?? this.opts.ownRecorderUrl ?? null,
      });
      await this.recordings.insert(started, tx);
      return started;
    });
    await this.opts.prepare?.(recording);
    const by = who.name ?? "The agent";
    await this.changed(recording);
    await this.announce(
      meetingPointId,
      recording.status === "armed"
        ? `${by} will record this call once it starts.`
        : `Recording started by ${by}. This call is being recorded.`,
    );
    return recording;
  }

  async stop(who: Identity, meetingPointId: string): Promise<Recording> {
    const stopped = await this.command(userIdOf(who), meetingPointId, { type: "stop" });
    await this.opts.closeRecording?.(stopped.id, stopped.destination);
    await this.changed(stopped);
    await this.announce(meetingPointId, `Recording stopped by ${who.name ?? "the agent"}.`);
    return stopped;
  }

  async control(who: Identity, meetingPointId: string, action: RecordingAction): Promise<Recording> {
    const next = await this.command(userIdOf(who), meetingPointId, { type: action });
    // Paused media must not reach the disk: end the sessions; participants publish again on resume. Closing
    // would be final (a standalone recorder then refuses every publisher after resume).
    await this.opts.pauseRecording?.(next.id, next.destination, action === "pause");
    await this.changed(next);
    await this.announce(meetingPointId, action === "pause" ? "Recording paused." : "Recording resumed. This call is being recorded.");
    return next;
  }

  /** The call went live: an armed recording starts capturing. */
  async callStarted(meetingPointId: string): Promise<void> {
    const armed = (await this.recordings.forMeetingPoint(meetingPointId)).find((r) => r.status === "armed");
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!armed || !stored) return;
    const started = controlRecording(armed, stored.meetingPoint, "system", { type: "callStarted" }, this.clock());
    // Stopped (or otherwise changed) since it was read: that change stays.
    if (!(await this.recordings.save(started, armed.status))) return;
    await this.changed(started);
    await this.announce(meetingPointId, "Recording started. This call is being recorded.");
  }

  /** The meeting point ended: its recording stops with it. */
  async meetingEnded(meetingPointId: string): Promise<void> {
    const stopped = await this.command("system", meetingPointId, { type: "stop" }).catch(() => null);
    if (!stopped) return;
    await this.opts.closeRecording?.(stopped.id, stopped.destination);
    await this.changed(stopped);
  }

  /** A process died while capturing: keep what reached the disk, up to `at`. */
  async interrupt(recordingId: string, at: Date, reason = "the recorder restarted"): Promise<Recording | null> {
    const recording = await this.recordings.find(recordingId);
    if (!recording || !isActive(recording)) return null;
    const stored = await this.meetingPoints.find(recording.meetingPointId);
    if (!stored) return null;
    const next = controlRecording(recording, stored.meetingPoint, "system", { type: "interrupt" }, at);
    if (!(await this.recordings.save(next, recording.status))) return null;
    await this.changed(next);
    await this.announce(recording.meetingPointId, `Recording interrupted: ${reason}. What was captured up to then is kept.`);
    return next;
  }

  /**
   * A WHIP credential for the running recording: for a participant of the call (their own camera or
   * screen) or, by the host, for an external source such as a camera or OBS (`name` given).
   */
  async publisher(
    who: Identity,
    meetingPointId: string,
    opts: { name?: string; source?: PublisherSource } = {},
  ): Promise<{ recordingId: string; whipUrl: string; token: string; expiresAt: string }> {
    const stored = await this.meetingPoints.find(meetingPointId);
    if (!stored) throw notFound("no such meeting point");
    const me = userIdOf(who);
    const isHost = me === stored.meetingPoint.hostId;
    const inCall = activeParticipants(stored.meetingPoint).some((p) => p.userId === me);
    const external = opts.name !== undefined;
    if (external ? !isHost : !inCall) throw forbidden("only the host adds sources; participants publish their own media");
    const recording = (await this.recordings.forMeetingPoint(meetingPointId)).find(isActive);
    if (!recording) throw conflict("no recording of this meeting point is running");
    // Participants publish once the call captures; the host may add an external source to an armed recording.
    if (recording.status !== "recording" && !(external && recording.status === "armed"))
      throw conflict(`the recording is ${recording.status}`);
    // A visitor's media reaches the recorder only with their consent (the recorder refuses it too).
    if (!external && needsConsent(me) && !(await this.opts.mayPublish?.(recording.id, me))) {
      throw forbidden("you have not agreed to be recorded: give your consent first");
    }
    const source: PublisherSource = external ? "external" : opts.source === "screen" ? "screen" : "camera";
    const participantId = external ? `source:${randomUUID()}` : source === "screen" ? `${me}:screen` : me;
    const base = who.name ?? "Participant";
    const displayName = opts.name ?? (source === "screen" ? `${base} (screen)` : base);
    const ttl = this.opts.tokenTtlSeconds ?? 120;
    const token = issuePublisherToken(
      this.opts.publisherSecret,
      { recordingId: recording.id, participantId, displayName, source },
      { ttlSeconds: ttl },
    );
    return {
      recordingId: recording.id,
      whipUrl: `${recording.destination ?? this.opts.whipBaseUrl}/${recording.id}`,
      token,
      expiresAt: new Date(this.clock().getTime() + ttl * 1000).toISOString(),
    };
  }

  private async command(actorId: string, meetingPointId: string, command: RecordingCommand): Promise<Recording> {
    return this.meetingPoints.withLocked(meetingPointId, async (tx, stored) => {
      // Rights first: someone who may not control it must not learn whether a recording is running (409 vs 403).
      if (actorId !== "system" && actorId !== stored.meetingPoint.hostId)
        throw forbidden("only the meeting point's host can control the recording");
      const active = (await this.recordings.forMeetingPoint(meetingPointId, tx)).find(isActive);
      if (!active) throw conflict("no recording of this meeting point is running");
      const next = controlRecording(active, stored.meetingPoint, actorId, command, this.clock());
      if (!(await this.recordings.save(next, active.status, tx))) throw conflict("the recording changed meanwhile; try again");
      return next;
    });
  }

  private async changed(recording: Recording): Promise<void> {
    await this.opts.onChange?.(recording);
  }

  private async announce(meetingPointId: string, notice: string): Promise<void> {
    await this.opts.announce?.(meetingPointId, notice);
  }

  /**
   * Refuses media for a recording that is not capturing (a token outlives a stop by up to its TTL). An
   * external source the host added to an armed recording starts the capture, as the call would.
   */
  async admit(claims: { recordingId: string; source?: PublisherSource }): Promise<void> {
    const recording = await this.recordings.find(claims.recordingId);
    if (!recording) throw new WhipHttpError(404, "unknown-recording", "no such recording");
    if (recording.status === "armed" && claims.source === "external") {
      await this.sourceStarted(recording);
      return;
    }
    if (recording.status !== "recording") throw new WhipHttpError(409, "recording-not-running", `the recording is ${recording.status}`);
  }

  private async sourceStarted(armed: Recording): Promise<void> {
    const started = await this.meetingPoints.withLocked(armed.meetingPointId, async (tx, stored) => {
      const current = (await this.recordings.forMeetingPoint(armed.meetingPointId, tx)).find((r) => r.id === armed.id);
      if (current?.status !== "armed") return null;
      const next = controlRecording(current, stored.meetingPoint, "system", { type: "callStarted" }, this.clock());
      return (await this.recordings.save(next, current.status, tx)) ? next : null;
    });
    if (started) await this.changed(started);
    if (started) await this.announce(armed.meetingPointId, "Recording started. This call is being recorded.");
  }
}
