// The app's side of crash recovery and of the disk limit: a recording a dead process left running is
// finalized from its raw files and marked interrupted; a recording is refused when the disk is low.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { RecordingService } from "@/server/recordings/recording-control";
import { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import { RecordingStore } from "@/server/recordings/recording-store";
import { recordingOptions, recoverRecordings } from "@/server/recordings/co-located-recorder";
import type { CoreServices } from "@/server/service-registry";
import { makeVp8Frames } from "@/tests/support/recorder/synthetic-media";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;

describe.skipIf(!hasFfmpeg)(`recording recovery and limits (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let dir: string;
  let host: Identity;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-recover-"));
    stack = await startRealtimeStack({ recordingsDir: dir });
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finalizes a recording left running by a dead process and marks it interrupted", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    const recording = await stack.desk.recordings.start(host, mp.id);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });

    // What a SIGKILL leaves: a session without an end, a track file whose Segment was never closed.
    const sessionDir = path.join(dir, recording.id, `agent:${host.id}`, "00000000-0000-4000-8000-00000000beef");
    mkdirSync(sessionDir, { recursive: true });
    writeFileSync(
      path.join(sessionDir, "session.json"),
      JSON.stringify({
        sessionId: "00000000-0000-4000-8000-00000000beef",
        participantId: `agent:${host.id}`,
        displayName: "Alice Agent",
        startedAtMs: Date.now() - 3000,
      }),
    );
    const file = path.join(sessionDir, "track0-video.webm");
    const writer = new MkvWriter(file, { kind: "video", codec: "vp8", width: 320, height: 240 });
    for (const [i, frame] of makeVp8Frames(dir, 3).entries()) writer.writeFrame(frame, i % 25 === 0, i * 40);
    writer.flushCluster();
    await new Promise((r) => setTimeout(r, 300)); // the stream reaches the file; it is never closed
    expect(statSync(file).size).toBeGreaterThan(1000);

    const env = parseEnv({ RECORDER_DIR: dir, DATA_DIR: dir });
    expect(await recoverRecordings(env, stack.desk.recordings, silentLogger)).toEqual([recording.id]);
    const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: recording.id } });
    expect(row.status).toBe("interrupted");
    expect(Math.abs(row.stoppedAt!.getTime() - statSync(file).mtimeMs)).toBeLessThan(2000);

    const decode = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
    expect(decode.stderr).toBe("");
    const details = await stack.library.get(host, recording.id);
    expect(details.sessions[0]).toMatchObject({ endReason: "recovered-after-crash" });
    const notices = await stack.db.prisma.chatMessage.findMany({ where: { meetingPointId: mp.id, senderId: "system" } });
    expect(notices.map((n) => n.body).join("\n")).toMatch(/Recording interrupted/);

    // A second start-up finds nothing more to do.
    expect(await recoverRecordings(env, stack.desk.recordings, silentLogger)).toEqual([]);
  });

  it("refuses to start a recording when the disk is low, with a clear error", async () => {
    const env = parseEnv({ RECORDER_DIR: dir, DATA_DIR: dir, RECORDER_MIN_FREE_MB: String(1024 * 1024 * 1024) });
    const core = { authSecret: "a".repeat(48), logger: silentLogger } as unknown as CoreServices;
    const options = recordingOptions(env, core, "http://127.0.0.1:9", { close: async () => {}, consent: async () => {} });
    const service = new RecordingService(new RecordingStore(stack.db.prisma), new MeetingPointStore(stack.db.prisma), options);
    const mp = await stack.desk.meetingPoints.create(host, null);
    await expect(service.start(host, mp.id)).rejects.toMatchObject({
      code: "INSUFFICIENT_STORAGE",
      message: expect.stringMatching(/MB free, 1073741824 MB required/),
    });
    expect(await stack.db.prisma.recording.count({ where: { meetingPointId: mp.id } })).toBe(0);
    expect(existsSync(dir)).toBe(true);
  });
});
