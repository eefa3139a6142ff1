// The recorder as its own process: configuration errors, the control API against live sessions, auth.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRecorderEnv as loadRecorderConfig } from "@/lib/config/env";
import {
  closeRemoteRecording,
  getRemoteRecording,
  issueControlToken,
  putRemoteConsent,
  type RecorderControlError,
} from "@/recorder/control";
import { readManifest } from "@/recorder/ingest/manifest";
import { issuePublisherToken } from "@/recorder/ingest";
import { publishWhip } from "@/tools/whip-publish";
import { runRecorderToExit, startRecorder, type RecorderProcess } from "@/tests/support/recorder/recorder-process";
import { probe } from "@/tests/support/recorder/synthetic-media";

// UDP ports of this file: recorder ICE 46400-46449, publisher ICE 46450-46499, ffmpeg RTP 46500-46549.
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const secret = "standalone-test-secret-0123456789abcdef";
const dir = mkdtempSync(path.join(os.tmpdir(), "standalone-recorder-"));
const goodEnv = {
  RECORDER_SECRET: secret,
  RECORDER_DIR: dir,
  RECORDER_PORT: "0",
  RECORDER_HOST: "127.0.0.1",
  RECORDER_ICE_PORT_RANGE: "46400-46449",
  RECORDER_LOOPBACK: "1",
};
let recorder: RecorderProcess;

beforeAll(async () => {
  recorder = await startRecorder(goodEnv);
});
afterAll(async () => {
  recorder?.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("recorder configuration", () => {
  const cases: [string, Record<string, string>][] = [
    ["RECORDER_SECRET", { RECORDER_SECRET: "" }],
    ["RECORDER_SECRET", { RECORDER_SECRET: "too-short" }],
    ["RECORDER_PORT", { RECORDER_PORT: "99999" }],
    ["RECORDER_ICE_PORT_RANGE", { RECORDER_ICE_PORT_RANGE: "40200" }],
    ["RECORDER_ICE_PORT_RANGE", { RECORDER_ICE_PORT_RANGE: "40399-40200" }],
    ["RECORDER_HOST", { RECORDER_HOST: "example.com" }],
    ["RECORDER_PUBLIC_IP", { RECORDER_PUBLIC_IP: "not-an-ip" }],
    ["RECORDER_LOOPBACK", { RECORDER_LOOPBACK: "maybe" }],
    ["RECORDER_ALLOWED_ORIGINS", { RECORDER_ALLOWED_ORIGINS: "desk.example.com" }],
  ];
  it("names the variable of each invalid value", () => {
    for (const [variable, bad] of cases) {
      expect(() => loadRecorderConfig({ ...goodEnv, ...bad }), JSON.stringify(bad)).toThrow(new RegExp(`^${variable}: `));
    }
  });

  it("applies the documented defaults", () => {
    expect(loadRecorderConfig({ RECORDER_SECRET: secret })).toEqual({
      secret,
      directory: ".data/recordings",
      port: 3300,
      host: "0.0.0.0",
      icePortRange: [40200, 40399],
      publicIp: undefined,
      loopback: false,
      allowedOrigins: undefined,
    });
    expect(
      loadRecorderConfig({ ...goodEnv, RECORDER_LOOPBACK: "", RECORDER_ALLOWED_ORIGINS: "https://a.example, http://b.example:3000" }),
    ).toMatchObject({ loopback: true, allowedOrigins: ["https://a.example", "http://b.example:3000"] });
  });

  it("the process exits 1 with one stderr line naming the bad variable", async () => {
    const runs = await Promise.all([
      runRecorderToExit({ ...goodEnv, RECORDER_SECRET: "too-short" }),
      runRecorderToExit({ ...goodEnv, RECORDER_ICE_PORT_RANGE: "40200" }),
    ]);
    runs.forEach((run, i) => {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe(""); // it never started
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^recorder: invalid configuration: ${["RECORDER_SECRET", "RECORDER_ICE_PORT_RANGE"][i]}: `));
    });
  });
});

describe("control API", () => {
  it("answers /health without a token", async () => {
    const res = await fetch(`${recorder.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, sessions: 0 });
  });

  it("refuses missing (401), forged, expired and other-recording (403) control tokens", async () => {
    const url = `${recorder.baseUrl}/recordings/rec-auth`;
    const call = (token?: string) => fetch(url, { method: "DELETE", headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect((await call()).status).toBe(401);
    const forged = issueControlToken("a-different-secret-0123456789abcdef", "rec-auth", 60);
    const forgedRes = await call(forged);
    expect(forgedRes.status).toBe(403);
    expect(await forgedRes.json()).toMatchObject({ error: "invalid-token" });
    expect((await call(issueControlToken(secret, "rec-auth", 60, Date.now() - 120_000))).status).toBe(403);
    expect((await call(issueControlToken(secret, "rec-other", 60))).status).toBe(403);
    const publisherToken = issuePublisherToken(secret, { recordingId: "rec-auth", participantId: "p", displayName: "P" });
    expect((await call(publisherToken)).status).toBe(403);
    await expect(
      closeRemoteRecording({ baseUrl: recorder.baseUrl, secret: "a-different-secret-0123456789abcdef", recordingId: "rec-auth" }),
    ).rejects.toMatchObject({ status: 403, code: "invalid-token" } satisfies Partial<RecorderControlError>);
    // None of the refused calls closed the recording.
    expect(existsSync(path.join(dir, "rec-auth"))).toBe(false);
  });

  it.skipIf(!hasFfmpeg)(
    "DELETE ends a live session, then new WHIP sessions for that recording get 409",
    async () => {
      const token = issuePublisherToken(secret, { recordingId: "rec-live", participantId: "bot", displayName: "Bot" });
      const stop = new AbortController();
      let mediaStart = 0;
      const publishing = publishWhip({
        url: `${recorder.baseUrl}/whip/rec-live`,
        token,
        seconds: 30,
        signal: stop.signal,
        icePortRange: [46450, 46499],
        rtpPortRange: [46500, 46549],
        onMediaStart: (at) => (mediaStart = at),
      });
      try {
        while (!mediaStart) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 3000));
        const live = await getRemoteRecording({ baseUrl: recorder.baseUrl, secret, recordingId: "rec-live" });
        expect(live).toMatchObject({ recordingId: "rec-live", closed: false });
        expect(live.sessions).toHaveLength(1);
        expect(live.sessions[0]).toMatchObject({ participantId: "bot", endedAtMs: null });
        expect((await (await fetch(`${recorder.baseUrl}/health`)).json()).sessions).toBe(1);

        const closed = await closeRemoteRecording({ baseUrl: recorder.baseUrl, secret, recordingId: "rec-live" });
        expect(closed.closed).toBe(true);
        expect(closed.sessions[0]).toMatchObject({ endReason: "recording-stopped" });
        expect(closed.sessions[0].endedAtMs).toBeGreaterThan(mediaStart);
        const sessionDir = path.join(dir, "rec-live", "bot", closed.sessions[0].sessionId);
        for (const f of closed.sessions[0].files.filter((x) => /\.(webm|mkv)$/.test(x.name))) {
          const p = probe(path.join(sessionDir, f.name));
          expect(p.decodeErrors, f.name).toBe("");
          expect(p.duration, f.name).toBeGreaterThan(0.5); // finished on close: a real Duration (N/A when unfinished)
        }
      } finally {
        stop.abort();
        await publishing.catch(() => undefined);
      }
      const again = publishWhip({ url: `${recorder.baseUrl}/whip/rec-live`, token, seconds: 1, icePortRange: [46450, 46499] });
      await expect(again).rejects.toThrow(/409.*recording-not-running/);
      // DELETE is idempotent.
      expect((await closeRemoteRecording({ baseUrl: recorder.baseUrl, secret, recordingId: "rec-live" })).closed).toBe(true);
    },
    45_000,
  );

  it.skipIf(!hasFfmpeg)(
    "withdrawn consent ends the participant's live sessions, is written into the manifest, and refuses them until given",
    async () => {
      const visitor = "visitor:00000000-0000-4000-8000-0000000000c1";
      const text = "a".repeat(64);
      const token = (participantId: string) =>
        issuePublisherToken(secret, { recordingId: "rec-consent", participantId, displayName: "Cora" });
      const stop = new AbortController();
      let mediaStart = 0;
      const publishing = publishWhip({
        url: `${recorder.baseUrl}/whip/rec-consent`,
        token: token(visitor),
        seconds: 30,
        signal: stop.signal,
        icePortRange: [46450, 46499],
        rtpPortRange: [46500, 46549],
        onMediaStart: (at) => (mediaStart = at),
      });
      const r = { baseUrl: recorder.baseUrl, secret, recordingId: "rec-consent" };
      try {
        while (!mediaStart) await new Promise((res) => setTimeout(res, 50));
        await new Promise((res) => setTimeout(res, 1500));
        const before = Date.now();
        const after = await putRemoteConsent(r, { participantId: visitor, displayName: "Cora", decision: "withdrawn", textSha256: text });
        expect(after.sessions[0]).toMatchObject({ participantId: visitor, endReason: "consent-withdrawn" });
        expect(after.sessions[0]!.endedAtMs).toBeGreaterThanOrEqual(before);
      } finally {
        stop.abort();
        await publishing.catch(() => undefined);
      }
      const line = readManifest(dir, "rec-consent").find((l) => l.type === "consent");
      expect(line).toMatchObject({ participantId: visitor, displayName: "Cora", decision: "withdrawn", textSha256: text });

      // Neither their camera nor their screen is admitted now; a malformed decision is refused with the field named.
      const quick = (participantId: string) =>
        publishWhip({ url: `${recorder.baseUrl}/whip/rec-consent`, token: token(participantId), seconds: 1, icePortRange: [46450, 46499] });
      await expect(quick(visitor)).rejects.toThrow(/403.*consent-not-given/);
      await expect(quick(`${visitor}:screen`)).rejects.toThrow(/403.*consent-not-given/);
      const bad = await fetch(`${recorder.baseUrl}/recordings/rec-consent/consent`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${issueControlToken(secret, "rec-consent", 60)}`, "Content-Type": "application/json" },
        body: JSON.stringify({ participantId: visitor, displayName: "Cora", decision: "maybe", textSha256: text }),
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: "bad-consent", message: expect.stringMatching(/^decision: /) });

      await putRemoteConsent(r, { participantId: visitor, displayName: "Cora", decision: "given", textSha256: text });
      await expect(quick(visitor)).resolves.toBeDefined();
      expect(
        readManifest(dir, "rec-consent")
          .filter((l) => l.type === "consent")
          .map((l) => l.type === "consent" && l.decision),
      ).toEqual(["withdrawn", "given"]);
      // Withdrawn again for the restart test below.
      await putRemoteConsent(r, { participantId: visitor, displayName: "Cora", decision: "withdrawn", textSha256: text });
    },
    45_000,
  );

  it("a stopped recording stays stopped across a restart, and SIGTERM exits 0", async () => {
    recorder.child.kill("SIGTERM");
    expect(await recorder.exited).toEqual({ code: 0, signal: null });
    expect(recorder.lines.some((l) => l.event === "stopped")).toBe(true);
    recorder = await startRecorder(goodEnv);
    const state = await getRemoteRecording({ baseUrl: recorder.baseUrl, secret, recordingId: "rec-live" });
    expect(state.closed).toBe(hasFfmpeg);
    if (hasFfmpeg) {
      // A withdrawn consent is still enforced after the restart.
      const participantId = "visitor:00000000-0000-4000-8000-0000000000c1";
      const token = issuePublisherToken(secret, { recordingId: "rec-consent", participantId, displayName: "Cora" });
      const again = publishWhip({ url: `${recorder.baseUrl}/whip/rec-consent`, token, seconds: 1, icePortRange: [46450, 46499] });
      await expect(again).rejects.toThrow(/403.*consent-not-given/);
    }
  });
});
