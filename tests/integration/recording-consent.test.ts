// Recording consent end to end on the server side, with a standalone recorder process wired as production wires
// it (RECORDER_WHIP_URL): a visitor who declines gets no publisher credential, and the recorder itself refuses
// their media even with a valid token; consent given admits them; withdrawn ends it. Every decision is stored with
// the hash of the text shown and written into the recording's manifest.
// UDP ports of this file: recorder ICE 46800-46849.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { MeetingPointView } from "@/lib/realtime/views";
import { issuePublisherToken } from "@/recorder/ingest";
import { readManifest } from "@/recorder/ingest/manifest";
import { recordingOptions } from "@/server/recordings/co-located-recorder";
import { consentTextSha256 } from "@/server/recordings/consent-control";
import type { CoreServices } from "@/server/service-registry";
import { startRecorder, type RecorderProcess } from "@/tests/support/recorder/recorder-process";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger } from "@/tests/support/test-database";

const SECRET = "recording-consent-secret-0123456789abcdef";
const TEXT = "Test clinic: I agree that this consultation is recorded and kept for ten years.";
const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8");

describe("recording consent with a standalone recorder", () => {
  let dir: string;
  let recorder: RecorderProcess;
  let stack: RealtimeStack;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-consent-"));
    recorder = await startRecorder({
      RECORDER_SECRET: SECRET,
      RECORDER_DIR: path.join(dir, "recorder"),
      RECORDER_PORT: "0",
      RECORDER_HOST: "127.0.0.1",
      RECORDER_ICE_PORT_RANGE: "46800-46849",
      RECORDER_LOOPBACK: "1",
    });
    const env = parseEnv({
      RECORDER_WHIP_URL: `${recorder.baseUrl}/whip`,
      RECORDER_SECRET: SECRET,
      DATA_DIR: path.join(dir, "app"),
      RECORDING_CONSENT_TEXT: TEXT,
    });
    const core = { authSecret: "a".repeat(48), logger: silentLogger } as unknown as CoreServices;
    const none = async () => {
      throw new Error("no co-located recorder in this set-up");
    };
    stack = await startRealtimeStack({ recording: recordingOptions(env, core, "http://localhost:3000", { close: none, consent: none }) });
  }, 60_000);

  afterAll(async () => {
    recorder?.child.kill("SIGKILL");
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** POSTs an offer with a WHIP token, as a browser would; a created session is ended again at once. */
  async function post(whipUrl: string, token: string): Promise<{ status: number; error?: string }> {
    const res = await fetch(whipUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/sdp" },
      body: offer,
    });
    const text = await res.text();
    if (res.status !== 201) return { status: res.status, error: (JSON.parse(text) as { error: string }).error };
    await fetch(new URL(res.headers.get("location")!, whipUrl), { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
    return { status: 201 };
  }

  it("declined: no credential and the recorder refuses; given: admitted; withdrawn: refused again; all of it on record", async () => {
    const hash = consentTextSha256(TEXT);
    expect(stack.desk.consent.textSha256).toBe(hash);
    const agent = await stack.agent("agent1");
    const visitor = await stack.visitor({ name: "Dora" });
    const { ticket } = await visitor.ok("ticket:open", { skill: "general" });
    const meetingPointId = (await agent.ok("queue:takeNext", {})).meetingPoint!.id;
    const armed = (await agent.ok("recording:start", { meetingPointId })).recording;
    expect(armed.status).toBe("armed");
    expect((await visitor.ok("mp:get", { meetingPointId })).meetingPoint.recording).toMatchObject({ id: armed.id, myConsent: null });

    // Asked before accepting the call; a hash of another text (the page was loaded before the text changed) is refused.
    const invited = visitor.next<{ invitationId: string }>("mp:invited");
    await agent.ok("ticket:inviteToVideo", { ticketId: ticket.id });
    expect(await visitor.request("recording:consent", { meetingPointId, decision: "given", textSha256: "0".repeat(64) })).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    expect(await visitor.request("recording:consent", { meetingPointId, decision: "withdrawn", textSha256: hash })).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    const hostSees = agent.next<{ meetingPoint: MeetingPointView }>("mp:updated", (u) => !!u.meetingPoint.recording?.consents?.length);
    await visitor.ok("recording:consent", { meetingPointId, decision: "declined", textSha256: hash });
    expect((await hostSees).meetingPoint.recording?.consents).toEqual([
      { userId: `visitor:${visitor.visitorId}`, displayName: "Dora", decision: "declined" },
    ]);
    await visitor.ok("mp:accept", { meetingPointId, invitationId: (await invited).invitationId });
    expect((await visitor.ok("mp:get", { meetingPointId })).meetingPoint.recording).toMatchObject({
      status: "recording",
      myConsent: "declined",
    });

    // No credential from the app; and a valid token (as a compromised or buggy app could mint) is refused by the recorder.
    expect(await visitor.request("recording:publish", { meetingPointId, source: "camera" })).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    const whipUrl = `${recorder.baseUrl}/whip/${armed.id}`;
    const minted = (participantId: string) => issuePublisherToken(SECRET, { recordingId: armed.id, participantId, displayName: "Dora" });
    expect(await post(whipUrl, minted(`visitor:${visitor.visitorId}`))).toEqual({ status: 403, error: "consent-not-given" });
    expect(await post(whipUrl, minted(`visitor:${visitor.visitorId}:screen`))).toEqual({ status: 403, error: "consent-not-given" });
    // The agent, who needs no consent here, is recorded meanwhile.
    const agentCredential = await agent.ok("recording:publish", { meetingPointId, source: "camera" });
    expect(await post(agentCredential.whipUrl, agentCredential.token)).toEqual({ status: 201 });

    await visitor.ok("recording:consent", { meetingPointId, decision: "given", textSha256: hash });
    const credential = await visitor.ok("recording:publish", { meetingPointId, source: "camera" });
    expect(await post(credential.whipUrl, credential.token)).toEqual({ status: 201 });

    await visitor.ok("recording:consent", { meetingPointId, decision: "withdrawn", textSha256: hash });
    expect(await visitor.request("recording:publish", { meetingPointId, source: "camera" })).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(await post(credential.whipUrl, credential.token)).toEqual({ status: 403, error: "consent-not-given" });

    // Stored on the recording (who, when, which text) and written into its manifest at the recorder.
    const view = await stack.library.get({ kind: "agent", id: "x", username: "admin", name: "A", role: "admin" }, armed.id);
    expect(view.consents.map((c) => [c.displayName, c.decision, c.textSha256])).toEqual([
      ["Dora", "declined", hash],
      ["Dora", "given", hash],
      ["Dora", "withdrawn", hash],
    ]);
    const lines = readManifest(path.join(dir, "recorder"), armed.id).filter((l) => l.type === "consent");
    expect(lines.map((l) => l.type === "consent" && [l.participantId, l.decision, l.textSha256])).toEqual([
      [`visitor:${visitor.visitorId}`, "declined", hash],
      [`visitor:${visitor.visitorId}`, "given", hash],
      [`visitor:${visitor.visitorId}`, "withdrawn", hash],
    ]);
    // Agents are not asked; nobody answers for someone else.
    expect(await agent.request("recording:consent", { meetingPointId, decision: "given", textSha256: hash })).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });

    // A decision the recorder cannot be told is not stored: it would not be enforced.
    recorder.child.kill("SIGKILL");
    await recorder.exited;
    expect(await visitor.request("recording:consent", { meetingPointId, decision: "given", textSha256: hash })).toMatchObject({
      ok: false,
    });
    expect(await stack.db.prisma.recordingConsent.count({ where: { recordingId: armed.id } })).toBe(3);
    agent.close();
    visitor.close();
  }, 60_000);
});
