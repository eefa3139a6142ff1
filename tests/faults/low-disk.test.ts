// Low disk on the recorder, on a real small file system (a 64 MiB tmpfs, needs root) that the test fills up.
// Extends tests/recorder/ingest-limits.test.ts (507 at the WHIP endpoint, limit-disk on a session with no
// media) and recording-recovery.test.ts (the service refusing at an absurd threshold) with what they leave out:
// - what the agent's console and the HTTP API answer when the disk really is low, and that recording works
//   again once space is freed, without a restart;
// - a session with real media flowing when the disk runs low is finalized: its files are complete and
//   decode cleanly, its manifest and session.json say why it ended.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import { respond } from "@/server/platform/http/json";
import { recordingOptions } from "@/server/recordings/co-located-recorder";
import type { CoreServices } from "@/server/service-registry";
import { createRecorderIngest, issuePublisherToken, readManifest } from "@/recorder/ingest";
import { publishWhip } from "@/tools/whip-publish";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";
import { within } from "@/tests/support/faults/chat-load";
import { agentIdentity, probeMovie } from "@/tests/support/faults/recording-fixtures";

const MB = 1024 ** 2;
const MIN_FREE_MB = 40;
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const root = mkdtempSync(path.join(tmpdir(), "vhd-fault-disk-"));
const disk = path.join(root, "small-disk");
mkdirSync(disk);
const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", disk]).status === 0;
const filler = path.join(disk, "filler");
/** Leaves `freeMb` of the 64 MiB free (give or take the recordings' own files). */
const fillTo = (freeMb: number) => writeFileSync(filler, Buffer.alloc((64 - freeMb) * MB));
const unfill = () => rmSync(filler, { force: true });

afterAll(() => {
  if (mounted) spawnSync("umount", [disk]);
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!mounted)(`low disk on the recorder (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  const recorderDir = path.join(disk, "app");

  beforeAll(async () => {
    const env = parseEnv({ RECORDER_DIR: recorderDir, DATA_DIR: root, RECORDER_MIN_FREE_MB: String(MIN_FREE_MB) });
    const core = { authSecret: "d".repeat(48), logger: silentLogger } as unknown as CoreServices;
    const { preflight } = recordingOptions(env, core, "http://127.0.0.1:9", { close: async () => {}, consent: async () => {} });
    stack = await startRealtimeStack({ recordingsDir: recorderDir, recording: { preflight } });
  });
  afterAll(async () => {
    unfill();
    await stack?.close();
  });

  it("refuses new recordings with INSUFFICIENT_STORAGE (HTTP 507) and a clear message, and records again once space is freed", async () => {
    const agent = await stack.agent("agent1");
    const host = await agentIdentity(stack.db);
    const newMeetingPoint = async () => (await agent.ok("mp:create", { title: "disk" })).meetingPoint.id;

    const before = await newMeetingPoint();
    expect(await agent.ok("recording:start", { meetingPointId: before })).toMatchObject({ recording: { status: "armed" } });

    fillTo(30); // 30 MiB free < 40 MiB required
    const low = await newMeetingPoint();
    const refused = await agent.request("recording:start", { meetingPointId: low });
    expect(refused).toMatchObject({ ok: false, code: "INSUFFICIENT_STORAGE" });
    expect(!refused.ok && refused.message).toMatch(
      /not enough free disk for a recording: (2\d|30) MB free, 40 MB required \(RECORDER_MIN_FREE_MB\)/,
    );
    // The HTTP API (POST /api/meeting-points/{id}/recording) answers the same refusal as 507.
    const res = await respond(
      async () => Response.json(await stack.desk.recordings.start(host, low)),
      () => undefined,
    );
    expect(res.status).toBe(507);
    expect(await res.json()).toMatchObject({
      ok: false,
      code: "INSUFFICIENT_STORAGE",
      message: expect.stringMatching(/MB free, 40 MB required/),
    });
    expect(await stack.db.prisma.recording.count({ where: { meetingPointId: low } })).toBe(0);
    // The recording armed before the disk filled up is untouched.
    expect((await agent.ok("mp:get", { meetingPointId: before })).meetingPoint.recording).toMatchObject({ status: "armed" });

    unfill();
    expect(await agent.ok("recording:start", { meetingPointId: low })).toMatchObject({ recording: { status: "armed" } });
  });
});

describe.skipIf(!mounted || !hasFfmpeg)("low disk while a session with media is recording", () => {
  const secret = "low-disk-secret-0123456789abcdef";
  const directory = path.join(disk, "rec");
  const events: Record<string, unknown>[] = [];
  const ingest = createRecorderIngest({
    tokenSecret: secret,
    directory,
    icePortRange: [48000, 48049],
    loopback: true,
    minFreeBytes: MIN_FREE_MB * MB,
    limitCheckIntervalMs: 200,
    log: (event, data) => events.push({ event, ...data }),
  });
  const server = http.createServer(async (req, res) => void ((await ingest(req, res)) || res.writeHead(404).end()));
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(4640, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    unfill();
    await ingest.closeAll("test-end");
    await new Promise((r) => server.close(r));
  });

  it("finalizes the running session (limit-disk): complete, cleanly decodable files; new sessions get 507", async () => {
    const token = issuePublisherToken(secret, { recordingId: "rec-low", participantId: "bot", displayName: "Bot" });
    const stop = new AbortController();
    let mediaAt = 0;
    const sentMs = { audio: 0, video: 0 };
    const publishing = publishWhip({
      url: `${base}/whip/rec-low`,
      token,
      seconds: 20,
      signal: stop.signal,
      icePortRange: [48100, 48149],
      rtpPortRange: [48200, 48249],
      onMediaStart: (at) => (mediaAt = at),
      onSent: (kind, ms) => (sentMs[kind] = ms),
    });
    await within("media flowing into the recorder", 20_000, async () => mediaAt > 0 && ingest.sessionCount === 1);
    await new Promise((r) => setTimeout(r, 3000));
    fillTo(14); // below half of the 40 MiB: running sessions must end
    const sentAtFill = { ...sentMs };
    await within("the session ended by the disk limit", 5000, async () => ingest.sessionCount === 0);
    stop.abort();
    await publishing.catch(() => undefined);

    const manifest = readManifest(directory, "rec-low");
    expect(manifest.find((e) => e.type === "session-end")).toMatchObject({ reason: "limit-disk" });
    // The app marks exactly these recordings interrupted (server/recordings/co-located-recorder.ts).
    expect(events.find((e) => e.event === "limit-disk")).toMatchObject({ recordingIds: ["rec-low"] });
    const ends = manifest.filter((e) => e.type === "track-end");
    expect(ends).toHaveLength(2);
    const [sessionId] = readdirSync(path.join(directory, "rec-low", "bot"));
    const sessionDir = path.join(directory, "rec-low", "bot", sessionId!);
    expect(JSON.parse(readFileSync(path.join(sessionDir, "session.json"), "utf8"))).toMatchObject({ endReason: "limit-disk" });
    const media = readdirSync(sessionDir).filter((f) => /\.(webm|mkv)$/.test(f));
    expect(media).toHaveLength(2);
    // Media time, not wall time: on a busy machine the publisher's encoder runs behind the clock.
    for (const name of media) {
      const kind = name.includes("audio") ? "audio" : "video";
      const probe = probeMovie(path.join(sessionDir, name));
      console.info(
        `low-disk: ${name} holds ${probe.seconds} s; ${sentAtFill[kind] / 1000} s sent before the disk filled, ${sentMs[kind] / 1000} s in all`,
      );
      expect(probe.decodeErrors, name).toBe("");
      expect(probe.seconds, name).toBeGreaterThan(sentAtFill[kind] / 1000 - 0.5); // everything before the fault is kept
      expect(probe.seconds, name).toBeLessThan(sentMs[kind] / 1000 + 0.5);
    }

    // A new session while the disk is still low: refused with 507 and a message saying why.
    const again = await fetch(`${base}/whip/rec-low`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${issuePublisherToken(secret, { recordingId: "rec-low", participantId: "late", displayName: "Late" })}`,
        "Content-Type": "application/sdp",
      },
      body: readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8"),
    });
    expect(again.status).toBe(507);
    expect(await again.json()).toMatchObject({
      error: "insufficient-storage",
      message: expect.stringMatching(/bytes free on the recorder's disk \(need 41943040\)/),
    });
  }, 60_000);
});
