// The recording path with STORAGE_BACKEND=azure against Azurite (started by the test on loopback): a stopped
// recording is composited with ffmpeg and stored with its poster and raw tracks (UPLOAD_RAW_TRACKS) in the
// container, played through a read-only SAS link (206 for a Range request, the stored bytes), downloaded as an
// attachment, its live segments played through SAS links, deleted (nothing left under its prefix), and expired by
// the retention sweep while a kept one stays; /api/health's report names the backend. Checked with Azure's own calls.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { checkHealth, publicHealth } from "@/server/platform/health";
import { openStorage, storageConfig } from "@/server/platform/object-store";
import type { AzureObjectStorage } from "@/server/platform/storage/azure-storage";
import { writeLiveIndex } from "@/server/recordings/live/live-index";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { type Azurite, startAzurite } from "@/tests/support/azurite";
import { makeReadyRecording } from "@/tests/support/ready-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, TEST_CLIENT, testDatabaseMode } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const SECONDS = 3;

describe.skipIf(!hasFfmpeg)(`recordings in Azure Blob Storage (Azurite, ${testDatabaseMode()})`, () => {
  let azurite: Azurite;
  let stack: RealtimeStack;
  let dataDir: string;
  let storage: AzureObjectStorage;
  let core: CoreServices;
  let backend: RecordingBackend;
  let host: Identity;
  const recordingsDir = () => path.join(dataDir, "recordings");

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-azure-"));
    azurite = await startAzurite();
    stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
    const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
    host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
    const env = parseEnv({
      STORAGE_BACKEND: "azure",
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: "recordings-test",
      DATA_DIR: dataDir,
      RECORDER_DIR: recordingsDir(),
      RECORDER_SECRET: "z".repeat(40),
      UPLOAD_RAW_TRACKS: "true",
      PLAYBACK_LINK_SECONDS: "120",
      COMPOSE_WIDTH: "320",
      COMPOSE_HEIGHT: "180",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      DATABASE_URL: process.env.DATABASE_URL,
    });
    // The way the app opens it (create-platform.ts): the container does not exist yet and is created.
    storage = (await openStorage(storageConfig(env, dataDir))) as AzureObjectStorage;
    core = {
      db: stack.db,
      storage,
      logger: silentLogger,
      authSecret: "a".repeat(48),
      version: "test",
      startedAt: new Date(),
    } as unknown as CoreServices;
    backend = await startRecordingBackend(env, core, { runWorker: true, logger: silentLogger });
  }, 90_000);

  afterAll(async () => {
    await backend?.close();
    await storage?.close();
    await stack?.close();
    await azurite?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The container's blobs under a prefix, listed with the Azure SDK itself (name → size). */
  async function blobs(prefix: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for await (const b of storage.containerClient.listBlobsFlat({ prefix })) out[b.name] = b.properties.contentLength ?? -1;
    return out;
  }

  const readyRecording = () => makeReadyRecording({ stack, backend, host, recordingsDir: recordingsDir(), seconds: SECONDS });

  let first: string;

  it("stores movie, poster and raw tracks in the container; health names the backend", async () => {
    expect(await storage.containerClient.exists()).toBe(true);
    first = await readyRecording();
    const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: first } });
    const stored = await blobs(`recordings/${first}/`);
    expect(stored[`recordings/${first}/movie.mp4`]).toBe(Number(row.movieBytes));
    expect(stored[`recordings/${first}/poster.jpg`]).toBeGreaterThan(0);
    expect(Object.keys(stored).filter((k) => k.includes("/raw/")).length).toBeGreaterThanOrEqual(4);
    const props = await storage.containerClient.getBlockBlobClient(`recordings/${first}/movie.mp4`).getProperties();
    expect(props.contentType).toBe("video/mp4");
    // Written by the upload sink, read back under the same names (Azure stores them as source_size).
    expect(props.metadata).toMatchObject({ source_size: String(row.movieBytes) });
    const movie = await storage.getBytes(`recordings/${first}/movie.mp4`);
    expect(movie.subarray(4, 8).toString("latin1")).toBe("ftyp");

    const health = await checkHealth(core);
    expect(health.storage).toMatchObject({ backend: "azure", mode: "azure", bucket: "recordings-test", ok: true });
    expect(publicHealth(health).storage).toEqual({ backend: "azure", mode: "azure", ok: true });
  }, 120_000);

  it("plays through a read-only SAS link: 206 with the stored bytes for a Range request; downloads as an attachment", async () => {
    const movie = await storage.getBytes(`recordings/${first}/movie.mp4`);
    const { url, expiresAt } = await backend.library.playbackLink(host, first, { download: false }, TEST_CLIENT);
    const sas = new URL(url);
    expect(sas.origin + sas.pathname).toBe(`${azurite.endpoint}/recordings-test/recordings/${first}/movie.mp4`);
    expect(sas.searchParams.get("sp")).toBe("r");
    expect(Date.parse(sas.searchParams.get("se")!)).toBeLessThanOrEqual(Date.now() + 121_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    const res = await fetch(url, { headers: { Range: "bytes=0-1023" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 0-1023/${movie.length}`);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await res.arrayBuffer()).equals(movie.subarray(0, 1024))).toBe(true);

    const download = await backend.library.playbackLink(host, first, { download: true }, TEST_CLIENT);
    const saved = await fetch(download.url);
    expect(saved.status).toBe(200);
    expect(saved.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.mp4"$/);
    expect(Buffer.from(await saved.arrayBuffer()).equals(movie)).toBe(true);

    const view = await backend.library.get(host, first);
    const poster = await fetch(view.posterUrl!);
    expect(poster.status).toBe(200);
    expect(poster.headers.get("content-type")).toBe("image/jpeg");
    expect(
      Buffer.from(await poster.arrayBuffer())
        .subarray(0, 2)
        .toString("hex"),
    ).toBe("ffd8");
  }, 60_000);

  it("live segments stored in the container play through SAS links from the playlist", async () => {
    const prefix = `recordings/${first}/`;
    await storage.put(`${prefix}live/init.mp4`, Buffer.from("init-bytes"), { contentType: "video/mp4" });
    await storage.put(`${prefix}live/seg-00000.m4s`, Buffer.from("segment-zero-bytes"), { contentType: "video/iso.segment" });
    await writeLiveIndex(storage, first, {
      version: 1,
      windowMs: 5760,
      segments: [{ index: 0, durationMs: 5760 }],
      ended: true,
      basis: "b",
      updatedAt: new Date().toISOString(),
    });
    const playlist = await (await backend.library.livePlaylist(host, first, { vod: true }, TEST_CLIENT)).text();
    const uris = playlist.split("\n").flatMap((l) => /URI="([^"]+)"/.exec(l)?.[1] ?? (l.startsWith("http") ? [l] : []));
    expect(uris).toHaveLength(2);
    const segment = await fetch(uris[1]!, { headers: { Range: "bytes=8-11" } });
    expect(segment.status).toBe(206);
    expect(await segment.text()).toBe("zero");
  });

  it("delete removes everything under the recording's prefix", async () => {
    await backend.library.remove(host, first, TEST_CLIENT);
    expect(await blobs(`recordings/${first}/`)).toEqual({});
    expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: first } })).status).toBe("deleted");
  });

  it("retention expires a recording past its date (nothing left in the container) and leaves a kept one", async () => {
    const expired = await readyRecording();
    const kept = await readyRecording();
    await backend.library.update(host, kept, { keep: true }, TEST_CLIENT);
    for (const id of [expired, kept])
      await stack.db.prisma.recording.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const result = await backend.sweepNow();
    expect(result.expired.map((e) => e.id)).toEqual([expired]);
    expect(result.failed).toEqual([]);
    expect(await blobs(`recordings/${expired}/`)).toEqual({});
    expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: expired } })).status).toBe("expired");
    expect(Object.keys(await blobs(`recordings/${kept}/`))).toEqual(
      expect.arrayContaining([`recordings/${kept}/movie.mp4`, `recordings/${kept}/poster.jpg`]),
    );
  }, 180_000);
});
