// Recording control on a real database: armed before the call, capturing once host() starts it,
// one at a time, and the recorder refuses media for a recording that is not running.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "@/lib/realtime/identity";
import { verifyPublisherToken } from "@/recorder/ingest";
import type { RecordingService } from "@/server/recordings/recording-control";
import { RecordingStore } from "@/server/recordings/recording-store";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { testDatabaseMode } from "@/tests/support/test-database";

const SECRET = "r".repeat(40);

describe(`recording control (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let service: RecordingService;
  let dir: string;
  let host: Identity;
  const closed: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-rec-"));
    stack = await startRealtimeStack({
      recordingsDir: dir,
      recording: { publisherSecret: SECRET, closeRecording: async (id) => void closed.push(id) },
    });
    service = stack.desk.recordings;
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("arms before the call, captures from host(), stops once, and ends the recorder's sessions", async () => {
    const mp = await stack.desk.meetingPoints.create(host, "Consultation");
    const armed = await service.start(host, mp.id);
    expect(armed.status).toBe("armed");
    await expect(service.start(host, mp.id)).rejects.toMatchObject({ code: "CONFLICT" });

    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const live = (await new RecordingStore(stack.db.prisma).find(armed.id))!;
    expect(live.status).toBe("recording");
    expect(live.startedAt).toBeInstanceOf(Date);

    const credential = await service.publisher(host, mp.id);
    const verdict = verifyPublisherToken(SECRET, credential.token);
    expect(verdict).toMatchObject({ ok: true, claims: { recordingId: armed.id, participantId: `agent:${host.id}` } });
    await expect(service.admit({ recordingId: armed.id })).resolves.toBeUndefined();

    const stopped = await service.stop(host, mp.id);
    expect(stopped.status).toBe("stopped");
    expect(closed).toContain(armed.id);
    await expect(service.admit({ recordingId: armed.id })).rejects.toMatchObject({ status: 409 });
    await expect(service.stop(host, mp.id)).rejects.toMatchObject({ code: "CONFLICT" });
    const details = await stack.library.get(host, armed.id);
    expect(details).toMatchObject({ status: "stopped", sessions: [] });
  });

  it("only the host records; visitors cannot read recordings", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    const other = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent2" } });
    const bob: Identity = { kind: "agent", id: other.id, username: "agent2", name: other.displayName, role: "agent" };
    await expect(service.start(bob, mp.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const rec = await service.start(host, mp.id);
    await expect(service.publisher(bob, mp.id, { name: "camera" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(stack.library.get({ kind: "visitor", id: "00000000-0000-4000-8000-000000000000" }, rec.id)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(service.admit({ recordingId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ status: 404 });
  });
});
