// The Node WHIP publisher (tools/whip-publish.ts) against a real in-process recorder ingest on loopback.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, listRecordingSessions, type WhipHandler } from "@/recorder/ingest";
import { publishWhip } from "@/tools/whip-publish";
import { probe } from "@/tests/support/recorder/synthetic-media";

// UDP ports of this file: recorder ICE 46000-46049, publisher ICE 46050-46099, ffmpeg RTP 46100-46149.
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const secret = "node-publisher-test-secret-0123456789";
const dir = mkdtempSync(path.join(os.tmpdir(), "node-publisher-"));
let server: http.Server;
let ingest: WhipHandler;
let base: string;

beforeAll(async () => {
  ingest = createRecorderIngest({ tokenSecret: secret, directory: dir, icePortRange: [46000, 46049], loopback: true });
  server = http.createServer(async (req, res) => {
    if (await ingest(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await ingest?.closeAll("test-end");
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasFfmpeg)("node WHIP publisher", () => {
  it("publishes Opus + VP8 that the recorder stores as clean files of the right length", async () => {
    const seconds = 5;
    const token = issuePublisherToken(secret, { recordingId: "rec-node", participantId: "bot", displayName: "Bot" });
    const result = await publishWhip({
      url: `${base}/whip/rec-node`,
      token,
      seconds,
      icePortRange: [46050, 46099],
      rtpPortRange: [46100, 46149],
    });
    expect(result.status).toBe(201);
    expect(result.location).toMatch(/\/whip\/rec-node\/sessions\/[\w-]+$/);
    expect(result.deleteStatus).toBe(200);
    expect(result.packetsSent.audio).toBeGreaterThan(40 * seconds);
    expect(result.packetsSent.video).toBeGreaterThan(20 * seconds);

    const [session] = await listRecordingSessions(dir, "rec-node");
    expect(session).toMatchObject({ participantId: "bot", endReason: "deleted" });
    const sessionDir = path.join(dir, "rec-node", "bot", session.sessionId);
    const media = readdirSync(sessionDir)
      .filter((f) => /\.(webm|mkv)$/.test(f))
      .sort();
    expect(media.map((f) => f.replace(/^track\d+-/, "")).sort()).toEqual(["audio.webm", "video.webm"]);
    for (const name of media) {
      const p = probe(path.join(sessionDir, name));
      expect(p.decodeErrors, name).toBe("");
      expect(p.duration, name).toBeGreaterThan(seconds - 1);
      expect(p.duration, name).toBeLessThan(seconds + 1);
      expect(p.streams[0].codec_name).toBe(name.includes("audio") ? "opus" : "vp8");
    }
  });

  it("reports the recorder's refusal instead of publishing", async () => {
    const token = issuePublisherToken("another-secret-entirely-0123456789", {
      recordingId: "rec-node",
      participantId: "x",
      displayName: "X",
    });
    await expect(publishWhip({ url: `${base}/whip/rec-node`, token, seconds: 1, icePortRange: [46050, 46099] })).rejects.toThrow(/403/);
  });
});
