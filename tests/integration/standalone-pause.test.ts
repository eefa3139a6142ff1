// Pause and resume with a standalone recorder (RECORDER_WHIP_URL), wired as production wires it: pause used to send
// the control API's DELETE, which closes a recording for good, so after resume every publisher got 409 and nothing
// more was recorded. Now pause ends the sessions and refuses publishers only until resume.
// UDP ports of this file: recorder ICE 46600-46649.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { getRemoteRecording } from "@/recorder/control";
import { recordingOptions } from "@/server/recordings/co-located-recorder";
import type { CoreServices } from "@/server/service-registry";
import { startRecorder, type RecorderProcess } from "@/tests/support/recorder/recorder-process";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger } from "@/tests/support/test-database";

const SECRET = "standalone-pause-secret-0123456789abcdef";
const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8");

describe("pause with a standalone recorder", () => {
  let dir: string;
  let recorder: RecorderProcess;
  let stack: RealtimeStack;
  let host: Identity;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-standalone-pause-"));
    recorder = await startRecorder({
      RECORDER_SECRET: SECRET,
      RECORDER_DIR: path.join(dir, "recorder"),
      RECORDER_PORT: "0",
      RECORDER_HOST: "127.0.0.1",
      RECORDER_ICE_PORT_RANGE: "46600-46649",
      RECORDER_LOOPBACK: "1",
    });
    const env = parseEnv({ RECORDER_WHIP_URL: `${recorder.baseUrl}/whip`, RECORDER_SECRET: SECRET, DATA_DIR: path.join(dir, "app") });
    const core = { authSecret: "a".repeat(48), logger: silentLogger } as unknown as CoreServices;
    stack = await startRealtimeStack({
      recording: recordingOptions(env, core, "http://localhost:3000", {
        close: async () => {
          throw new Error("no co-located recorder in this set-up");
        },
        consent: async () => {
          throw new Error("no co-located recorder in this set-up");
        },
      }),
    });
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
  }, 60_000);

  afterAll(async () => {
    recorder?.child.kill("SIGKILL");
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** POSTs an offer as the host's camera publisher would; the session (if any) is ended again at once. */
  async function publish(meetingPointId: string): Promise<{ status: number; error?: string }> {
    const access = await stack.desk.recordings.publisher(host, meetingPointId);
    const res = await fetch(access.whipUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${access.token}`, "Content-Type": "application/sdp" },
      body: offer,
    });
    const text = await res.text();
    if (res.status === 201) {
      await fetch(new URL(res.headers.get("location")!, access.whipUrl), {
        method: "DELETE",
        headers: { Authorization: `Bearer ${access.token}` },
      });
      return { status: 201 };
    }
    return { status: res.status, error: (JSON.parse(text) as { error: string }).error };
  }

  it("paused: publishers are refused; resumed: they are admitted again; stop closes for good", async () => {
    const mp = await stack.desk.meetingPoints.create(host, null);
    await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
    const rec = await stack.desk.recordings.start(host, mp.id);
    expect((await stack.desk.recordings.publisher(host, mp.id)).whipUrl).toBe(`${recorder.baseUrl}/whip/${rec.id}`);
    expect(await publish(mp.id)).toEqual({ status: 201 });

    const issuedBefore = await stack.desk.recordings.publisher(host, mp.id);
    await stack.desk.recordings.control(host, mp.id, "pause");
    const state = () => getRemoteRecording({ baseUrl: recorder.baseUrl, secret: SECRET, recordingId: rec.id });
    expect(await state()).toMatchObject({ closed: false, paused: true });
    // The app issues no token while paused, and one issued before is refused by the recorder itself.
    await expect(stack.desk.recordings.publisher(host, mp.id)).rejects.toThrow(/paused/);
    const res = await fetch(issuedBefore.whipUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${issuedBefore.token}`, "Content-Type": "application/sdp" },
      body: offer,
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: "recording-paused" });

    await stack.desk.recordings.control(host, mp.id, "resume");
    expect(await state()).toMatchObject({ closed: false, paused: false });
    expect(await publish(mp.id)).toEqual({ status: 201 });

    await stack.desk.recordings.stop(host, mp.id);
    expect(await state()).toMatchObject({ closed: true });
  }, 60_000);
});
