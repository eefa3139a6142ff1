import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ingestServers } from "@/tests/support/recorder/ingest-server";
import { checkFreeSpace, createRecorderIngest, issuePublisherToken, readManifest, type WhipHandler } from "@/recorder/ingest";

const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8"); // audio + video: 2 tracks
const secret = "limits-secret";
const root = mkdtempSync(path.join(os.tmpdir(), "ingest-limits-"));
const servers: { server: http.Server; handler: WhipHandler }[] = [];
afterAll(async () => {
  for (const { server, handler } of servers) {
    await handler.closeAll();
    await new Promise((r) => server.close(r));
  }
  rmSync(root, { recursive: true, force: true });
});

const ingest = ingestServers({ root, secret, firstIcePort: 45_400 });
const ingestServer = ingest.start;
afterAll(() => ingest.closeAll());

describe("ingest limits", () => {
  it("checkFreeSpace reports the directory's free bytes against a threshold", async () => {
    const small = await checkFreeSpace(root, 1);
    expect(small.ok).toBe(true);
    expect(small.freeBytes).toBeGreaterThan(0);
    const huge = await checkFreeSpace(root, Number.MAX_SAFE_INTEGER);
    expect(huge.ok).toBe(false);
    expect(Math.abs(huge.freeBytes - small.freeBytes)).toBeLessThan(1024 ** 3); // same disk, give or take other writers
  });

  it("refuses a new session with 507 insufficient-storage when free space is below minFreeBytes", async () => {
    const { post, directory } = await ingestServer({ minFreeBytes: Number.MAX_SAFE_INTEGER });
    const r = await post("rec-disk", "p1");
    expect(r.status).toBe(507);
    expect(JSON.parse(r.body)).toMatchObject({ error: "insufficient-storage" });
    expect(readManifest(directory, "rec-disk")).toEqual([]);
  });

  it("refuses a session that would take the recording over maxTracksPerRecording with 403 limit-tracks", async () => {
    const { post, handler } = await ingestServer({ maxTracksPerRecording: 3 });
    expect((await post("rec-tracks", "p1")).status).toBe(201); // 2 tracks
    const second = await post("rec-tracks", "p2"); // would be 4
    expect(second.status).toBe(403);
    expect(JSON.parse(second.body)).toMatchObject({ error: "limit-tracks" });
    expect((await post("rec-other", "p2")).status).toBe(201); // the limit is per recording
    await handler.closeAll();
  });

  it("ends a recording's sessions with limit-duration and refuses new ones with 403", async () => {
    const { post, handler, directory } = await ingestServer({
      maxRecordingMs: 1200,
      limitCheckIntervalMs: 100,
      inactivityTimeoutMs: 60_000,
    });
    expect((await post("rec-long", "p1")).status).toBe(201);
    expect(handler.sessionCount).toBe(1);
    const deadline = Date.now() + 5000;
    while (handler.sessionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(handler.sessionCount).toBe(0);
    const end = readManifest(directory, "rec-long").find((e) => e.type === "session-end");
    expect(end).toMatchObject({ reason: "limit-duration" });
    const late = await post("rec-long", "p2");
    expect(late.status).toBe(403);
    expect(JSON.parse(late.body)).toMatchObject({ error: "limit-duration" });
  });

  it("keeps counting the tracks of sessions still running in its manifest after a recorder restart", async () => {
    const first = await ingestServer({ maxTracksPerRecording: 2 });
    expect((await first.post("rec-restart", "p1")).status).toBe(201);
    // Not closed: to a new ingest over the same directory its manifest shows p1's session still running.
    // A new ingest over the same directory (a restarted recorder) reads the manifest's session-start.
    const again = createRecorderIngest({
      tokenSecret: secret,
      directory: first.directory,
      icePortRange: [45_590, 45_599],
      loopback: true,
      maxTracksPerRecording: 2,
    });
    const server = http.createServer(async (req, res) => void (await again(req, res)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({ server, handler: again });
    const token = issuePublisherToken(secret, { recordingId: "rec-restart", participantId: "p2", displayName: "p2" });
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/rec-restart`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/sdp" },
      body: offer,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: "limit-tracks" });
  });

  // A real small file system (tmpfs, needs root) that the test then fills up while a session runs.
  const tmpfs = path.join(root, "small-disk");
  mkdirSync(tmpfs);
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", tmpfs]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync("umount", [tmpfs]);
  });

  it.skipIf(!mounted)("finalizes running sessions with limit-disk when free space drops below half of minFreeBytes", async () => {
    const directory = path.join(tmpfs, "rec");
    const handler = createRecorderIngest({
      tokenSecret: secret,
      directory,
      icePortRange: [45_600, 45_619],
      loopback: true,
      minFreeBytes: 40 * 1024 ** 2,
      limitCheckIntervalMs: 100,
    });
    const server = http.createServer(async (req, res) => void (await handler(req, res)));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({ server, handler });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/rec-full`;
    const post = async (participantId: string) => {
      const token = issuePublisherToken(secret, { recordingId: "rec-full", participantId, displayName: participantId });
      return fetch(url, { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/sdp" }, body: offer });
    };
    expect((await post("p1")).status).toBe(201); // 64 MiB free ≥ 40 MiB
    writeFileSync(path.join(tmpfs, "filler"), Buffer.alloc(50 * 1024 ** 2)); // 14 MiB left < 20 MiB
    const deadline = Date.now() + 3000;
    while (handler.sessionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(handler.sessionCount).toBe(0);
    expect(readManifest(directory, "rec-full").find((e) => e.type === "session-end")).toMatchObject({ reason: "limit-disk" });
    const refused = await post("p2");
    expect(refused.status).toBe(507);
  });
});
