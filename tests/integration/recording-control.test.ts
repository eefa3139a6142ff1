// Recording control over real sockets: the host arms, starts, pauses, resumes and stops; everyone sees the
// indicator; the ticket's history says so; only participants get credentials, and only while it captures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPublisherToken } from "@/recorder/ingest";
import type { MeetingPointView } from "@/lib/realtime/views";
import { RECORDER_SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

type Updated = { meetingPoint: MeetingPointView };

describe(`recording control over Socket.IO (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  const closed: string[] = [];
  const pauses: [string, boolean][] = [];

  beforeAll(async () => {
    stack = await startRealtimeStack({
      recording: {
        destinations: ["https://rec2.example.com/whip"],
        closeRecording: async (id) => void closed.push(id),
        pauseRecording: async (id, _destination, paused) => void pauses.push([id, paused]),
      },
    });
  });
  afterAll(async () => stack?.close());

  it("arms before the call, tells the visitor, captures from the call, pauses, resumes and stops", async () => {
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Vera" });
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    const { meetingPoint } = await agent.ok("queue:takeNext", {});
    const meetingPointId = meetingPoint!.id;

    // Only the host records; nobody can publish before media is captured.
    expect((await visitor.request("recording:start", { meetingPointId })).ok).toBe(false);
    const visitorSeesArmed = visitor.next<Updated>("mp:updated", (u) => u.meetingPoint.recording?.status === "armed");
    const armed = await agent.ok("recording:start", { meetingPointId });
    expect(armed.recording.status).toBe("armed");
    await visitorSeesArmed;
    const again = await agent.request("recording:start", { meetingPointId });
    expect(again).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await agent.request("recording:publish", { meetingPointId, source: "camera" })).toMatchObject({ ok: false });

    // The visitor is told before accepting; the call starting starts the capture.
    const invited = visitor.next<{ meetingPointId: string; invitationId: string }>("mp:invited");
    const live = visitor.next<Updated>("mp:updated", (u) => u.meetingPoint.recording?.status === "recording");
    await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    const notice = await invited;
    const view = (await visitor.ok("mp:get", { meetingPointId })).meetingPoint;
    expect(view.recording).toMatchObject({ id: armed.recording.id });
    await live;
    await visitor.ok("mp:accept", { meetingPointId, invitationId: notice.invitationId });

    // A visitor publishes only after agreeing to be recorded.
    expect(await visitor.request("recording:publish", { meetingPointId, source: "camera" })).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    await visitor.ok("recording:consent", { meetingPointId, decision: "given", textSha256: stack.desk.consent.textSha256 });

    // Participants get credentials for their own camera and screen, bound to this recording.
    const cam = await visitor.ok("recording:publish", { meetingPointId, source: "camera" });
    const screen = await visitor.ok("recording:publish", { meetingPointId, source: "screen" });
    const camClaims = verifyPublisherToken(RECORDER_SECRET, cam.token, { expectedRecordingId: armed.recording.id });
    const screenClaims = verifyPublisherToken(RECORDER_SECRET, screen.token, { expectedRecordingId: armed.recording.id });
    expect(camClaims).toMatchObject({
      ok: true,
      claims: { participantId: `visitor:${visitor.visitorId}`, source: "camera", displayName: "Vera" },
    });
    expect(screenClaims).toMatchObject({ ok: true, claims: { participantId: `visitor:${visitor.visitorId}:screen`, source: "screen" } });
    expect(cam.whipUrl).toBe(`http://127.0.0.1:9/whip/${armed.recording.id}`);

    // Pause ends the sessions and refuses new ones until resumed.
    expect((await visitor.request("recording:pause", { meetingPointId })).ok).toBe(false);
    expect((await agent.ok("recording:pause", { meetingPointId })).recording.status).toBe("paused");
    // Not closed: a standalone recorder would then refuse every publisher after resume.
    expect(pauses).toEqual([[armed.recording.id, true]]);
    expect(closed).not.toContain(armed.recording.id);
    expect(await visitor.request("recording:publish", { meetingPointId, source: "camera" })).toMatchObject({ ok: false, code: "CONFLICT" });
    await expect(stack.desk.recordings.admit({ recordingId: armed.recording.id })).rejects.toMatchObject({ status: 409 });
    expect((await agent.ok("recording:resume", { meetingPointId })).recording.status).toBe("recording");
    expect(pauses).toEqual([
      [armed.recording.id, true],
      [armed.recording.id, false],
    ]);
    await stack.desk.recordings.admit({ recordingId: armed.recording.id });

    const stoppedSeen = visitor.next<Updated>("mp:updated", (u) => u.meetingPoint.recording === null);
    expect((await agent.ok("recording:stop", { meetingPointId })).recording.status).toBe("stopped");
    await stoppedSeen;

    // Start, pause, resume and stop are in the ticket's history.
    const history = (await agent.ok("ticket:get", { ticketId: ticket.id })).messages
      .filter((m) => m.senderId === "system")
      .map((m) => m.body);
    expect(history).toEqual([
      expect.stringMatching(/will record this call once it starts/),
      expect.stringMatching(/^Recording started\. This call is being recorded/),
      "Vera agreed to be recorded.",
      "Recording paused.",
      expect.stringMatching(/^Recording resumed/),
      expect.stringMatching(/^Recording stopped by /),
    ]);
    const details = await stack.library.get({ kind: "agent", id: "x", username: "admin", name: "A", role: "admin" }, armed.recording.id);
    expect(details.spans).toHaveLength(2);
    expect(details.spans.every((s) => s.to !== null)).toBe(true);
  });

  it("stops the recording when the meeting point ends; refuses unknown destinations", async () => {
    const agent = await stack.agent("agent2");
    const { meetingPoint } = await agent.ok("mp:create", {});
    const meetingPointId = meetingPoint.id;
    expect(await agent.request("recording:start", { meetingPointId, destination: "https://evil.example.com/whip" })).toMatchObject({
      ok: false,
      code: "BAD_REQUEST",
    });
    const remote = await agent.ok("recording:start", { meetingPointId, destination: "https://rec2.example.com/whip/" });
    await agent.ok("mp:host", { meetingPointId });
    const cred = await agent.ok("recording:publish", { meetingPointId, source: "camera" });
    expect(cred.whipUrl).toBe(`https://rec2.example.com/whip/${remote.recording.id}`);
    await agent.ok("mp:end", { meetingPointId });
    const after = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: remote.recording.id } });
    expect(after.status).toBe("stopped");
    expect(after.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("someone who may not control a recording cannot learn whether one is running", async () => {
    const host = await stack.agent("agent1");
    const other = await stack.agent("agent2");
    const { meetingPoint } = await host.ok("mp:create", { title: "Private" });
    await host.ok("mp:host", { meetingPointId: meetingPoint.id });
    const idle = await other.request("recording:stop", { meetingPointId: meetingPoint.id });
    await host.ok("recording:start", { meetingPointId: meetingPoint.id });
    const running = await other.request("recording:stop", { meetingPointId: meetingPoint.id });
    expect(idle).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(running).toEqual(idle);
    expect(await host.request("recording:pause", { meetingPointId: meetingPoint.id })).toMatchObject({ ok: true });
  });

  it("refuses malformed recording requests with a code", async () => {
    const agent = await stack.agent("agent1");
    expect(await agent.request("recording:start", { meetingPointId: "nope" } as never)).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await agent.request("recording:publish", { meetingPointId: crypto.randomUUID(), source: "webcam" } as never)).toMatchObject({
      ok: false,
      code: "BAD_REQUEST",
    });
    expect(await agent.request("recording:stop", { meetingPointId: crypto.randomUUID() })).toMatchObject({ ok: false });
  });
});
