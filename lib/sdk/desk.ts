// Typed client SDK for the help desk and meeting points, reading like the model:
//   const mp = await desk.createMeetingPoint();  await mp.invite(visitorUserId);  const call = await mp.host();
// Works over any Socket.IO client socket (browser or Node); every refusal becomes a DeskError with a code.
import type { Ack, ErrorCode } from "@/lib/realtime/ack";
import type { Replies, RequestName, RequestPayload, ServerToClientEvents } from "@/lib/realtime/protocol";
import type { SignallingChannel, SignalMessage } from "@/lib/rtc/signalling";
import type { MeetingPointView, RecordingIndicator } from "@/lib/realtime/views";
import type { WhipCredential } from "@/lib/rtc/whip-publisher";

/** The part of a socket.io-client Socket the SDK needs (kept structural so lib/ imports no Socket.IO). */
// biome-ignore lint/suspicious/noExplicitAny: listeners of any event signature must be assignable (parameters are contravariant)
type Listener = (...args: any[]) => void;
export interface DeskSocket {
  timeout(ms: number): { emitWithAck(event: string, payload: unknown): Promise<unknown> };
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

export class DeskError extends Error {
  constructor(
    readonly code: ErrorCode | "TIMEOUT",
    message: string,
  ) {
    super(message);
    this.name = "DeskError";
  }
}

export class Desk {
  constructor(
    readonly socket: DeskSocket,
    private readonly timeoutMs = 10_000,
  ) {}

  async request<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<Replies[E]> {
    let reply: Ack<Replies[E]>;
    try {
      reply = (await this.socket.timeout(this.timeoutMs).emitWithAck(event, payload)) as Ack<Replies[E]>;
    } catch {
      throw new DeskError("TIMEOUT", `no answer to ${event} within ${this.timeoutMs} ms`);
    }
    if (!reply.ok) throw new DeskError(reply.code, reply.message);
    const { ok: _ok, ...rest } = reply;
    return rest as unknown as Replies[E];
  }

  /** ICE servers for this user: STUN and, where configured, a TURN credential that expires (renew before then). */
  iceServers(): Promise<Replies["rtc:iceServers"]> {
    return this.request("rtc:iceServers", {});
  }

  /** Subscribes to a server push; returns the unsubscribe function. */
  on<E extends keyof ServerToClientEvents>(event: E, listener: ServerToClientEvents[E]): () => void {
    this.socket.on(event, listener as Listener);
    return () => this.socket.off(event, listener as Listener);
  }

  async createMeetingPoint(title?: string): Promise<MeetingPointHandle> {
    const { meetingPoint } = await this.request("mp:create", title ? { title } : {});
    return new MeetingPointHandle(this, meetingPoint);
  }

  async meetingPoint(id: string): Promise<MeetingPointHandle> {
    const { meetingPoint } = await this.request("mp:get", { meetingPointId: id });
    return new MeetingPointHandle(this, meetingPoint);
  }

  /** For someone holding only the id (a link): asks to join and waits in the wait list. */
  async requestToJoin(id: string): Promise<MeetingPointHandle> {
    const { meetingPoint } = await this.request("mp:requestJoin", { meetingPointId: id });
    return new MeetingPointHandle(this, meetingPoint);
  }
}

export class MeetingPointHandle {
  constructor(
    private readonly desk: Desk,
    public state: MeetingPointView,
  ) {}

  get id(): string {
    return this.state.id;
  }

  private async run<
    E extends "mp:invite" | "mp:admit" | "mp:deny" | "mp:remove" | "mp:accept" | "mp:decline" | "mp:host" | "mp:leave" | "mp:end",
  >(event: E, extra: Omit<RequestPayload<E>, "meetingPointId">): Promise<MeetingPointView> {
    const { meetingPoint } = await this.desk.request(event, { meetingPointId: this.id, ...extra } as RequestPayload<E>);
    this.state = meetingPoint;
    return meetingPoint;
  }

  invite(inviteeId: string, message?: string) {
    return this.run("mp:invite", message ? { inviteeId, message } : { inviteeId });
  }
  admit(entryId: string) {
    return this.run("mp:admit", { entryId });
  }
  deny(entryId: string) {
    return this.run("mp:deny", { entryId });
  }
  remove(userId: string) {
    return this.run("mp:remove", { userId });
  }
  accept(invitationId: string) {
    return this.run("mp:accept", { invitationId });
  }
  decline(invitationId: string) {
    return this.run("mp:decline", { invitationId });
  }
  leave() {
    return this.run("mp:leave", {});
  }
  end() {
    return this.run("mp:end", {});
  }
  async sendChat(body: string) {
    return (await this.desk.request("chat:send", { meetingPointId: this.id, body })).message;
  }

  /**
   * Starts recording (host only). Before the call it is armed and captures once the call starts;
   * `destination` names another recorder deployment (the default is the co-located recorder).
   */
  async recordStart(destination?: string): Promise<RecordingIndicator> {
    const { recording } = await this.desk.request(
      "recording:start",
      destination ? { meetingPointId: this.id, destination } : { meetingPointId: this.id },
    );
    return recording;
  }
  async recordStop(): Promise<{ id: string; status: string }> {
    return (await this.desk.request("recording:stop", { meetingPointId: this.id })).recording;
  }
  async recordPause(): Promise<RecordingIndicator> {
    return (await this.desk.request("recording:pause", { meetingPointId: this.id })).recording;
  }
  async recordResume(): Promise<RecordingIndicator> {
    return (await this.desk.request("recording:resume", { meetingPointId: this.id })).recording;
  }
  /** A short-lived WHIP credential to publish one's own camera or screen into the running recording. */
  publishCredential(source: "camera" | "screen"): Promise<WhipCredential> {
    return this.desk.request("recording:publish", { meetingPointId: this.id, source });
  }

  /** Starts the call (host only) and returns it. */
  async host(): Promise<Call> {
    await this.run("mp:host", {});
    return new Call(this.desk, this);
  }

  /** The call of a meeting point that is live, for a participant who was admitted or accepted. */
  join(): Call {
    return new Call(this.desk, this);
  }

  /** Keeps `state` current from the server's pushes; returns the unsubscribe function. */
  follow(onChange?: (view: MeetingPointView) => void): () => void {
    return this.desk.on("mp:updated", ({ meetingPoint }) => {
      if (meetingPoint.id !== this.id) return;
      this.state = meetingPoint;
      onChange?.(meetingPoint);
    });
  }
}

/** A live call: the signalling channel its WebRTC connections use. */
export class Call {
  constructor(
    private readonly desk: Desk,
    readonly meetingPoint: MeetingPointHandle,
  ) {}

  recordStart(destination?: string): Promise<RecordingIndicator> {
    return this.meetingPoint.recordStart(destination);
  }
  recordStop(): Promise<{ id: string; status: string }> {
    return this.meetingPoint.recordStop();
  }
  recordPause(): Promise<RecordingIndicator> {
    return this.meetingPoint.recordPause();
  }
  recordResume(): Promise<RecordingIndicator> {
    return this.meetingPoint.recordResume();
  }

  signalling(): SignallingChannel {
    const meetingPointId = this.meetingPoint.id;
    return {
      send: (to: string, message: SignalMessage) => {
        this.desk.request("rtc:signal", { meetingPointId, to, message }).catch(() => {
          // A peer that just left: its connection is being torn down anyway.
        });
      },
      onMessage: (handler) =>
        this.desk.on("rtc:signal", (payload) => {
          if (payload.meetingPointId === meetingPointId) handler(payload.from, payload.message);
        }),
    };
  }
}
