// A compositing worker PROCESS on "another host": its RECORDER_DIR is empty, it shares only PostgreSQL and S3 with
// the web node, and fetches the raw files from the recorder that captured them (the recording's destination, as a
// web node with NODE_URL or a standalone recorder stamps it). Its movie must hold each participant's colour and
// tone: a listing that skipped `agent:` folders once gave a ready movie of name tiles and silence. A file the
// recorder lost makes the recording fail, naming it.
// Needs PostgreSQL (a second process cannot share the embedded PGlite): runs in the PostgreSQL pass.
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { createRecorderControl } from "@/recorder/control";
import { openDatabase, type Database } from "@/server/platform/database/database";
import { seed } from "@/server/platform/database/seed";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { agentIdentity, S3_KEYS, startS3Server, stoppedRecording, untilRecordingStatus } from "@/tests/support/faults/recording-fixtures";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { TWO_PERSON_MEDIA } from "@/tests/support/media/synthetic-recording";
import { jsonLine, startChild, type ChildHandle } from "@/tests/support/process-helpers";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { createScratchDatabase, type ScratchDatabase } from "@/tests/support/scratch-database";
import { silentLogger } from "@/tests/support/test-database";

const PG_SERVER = process.env.DATABASE_URL;
const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const S3_PORT = 4610;
const BUCKET = "remote-worker";
const SECONDS = 5;
const SECRET = "r".repeat(48);
const ROOT = path.resolve(import.meta.dirname, "../..");

describe.skipIf(!PG_SERVER || !hasFfmpeg)("a compositing worker on another host (postgres)", () => {
  let scratch: ScratchDatabase | undefined;
  let dir: string;
  let db: Database;
  let stack: RealtimeStack;
  let s3: { endpoint: string; close(): Promise<void> };
  let store: ObjectStore;
  let web: RecordingBackend;
  let host: Identity;
  let worker: ChildHandle;
  let recorder: Server;
  let whipUrl: string;
  const capturedDir = () => path.join(dir, "web-node", "recordings");
  const workerRecordings = () => path.join(dir, "worker-host", "recordings");

  const env = (dataDir: string, recorderDir: string): Record<string, string> => ({
    DATABASE_URL: scratch!.url,
    DATABASE_POOL_MAX: "3",
    DATA_DIR: dataDir,
    RECORDER_DIR: recorderDir,
    RECORDER_SECRET: SECRET,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: BUCKET,
    S3_ACCESS_KEY_ID: S3_KEYS.accessKeyId,
    S3_SECRET_ACCESS_KEY: S3_KEYS.secretAccessKey,
    AUTH_SECRET: "w".repeat(48),
    COMPOSE_WIDTH: "640",
    COMPOSE_HEIGHT: "360",
    COMPOSE_RETRY_LIMIT: "1",
    COMPOSE_RETRY_DELAY_SECONDS: "1",
    JOBS_POLL_INTERVAL_SECONDS: "0.5",
    RECORDING_RETENTION_DAYS: "0",
    LOG_LEVEL: "info",
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-remote-worker-"));
    mkdirSync(workerRecordings(), { recursive: true });
    scratch = await createScratchDatabase(PG_SERVER!, "vhd_remote_worker");
    db = await openDatabase({ databaseUrl: scratch.url, poolMax: 3, logger: silentLogger });
    await seed(db.prisma, {});
    stack = await startRealtimeStack({ sharedDb: db, recordingsDir: capturedDir() });
    host = await agentIdentity(db);
    s3 = await startS3Server({ port: S3_PORT, directory: path.join(dir, "s3"), bucket: BUCKET });
    store = await openObjectStore({
      endpoint: s3.endpoint,
      region: "us-east-1",
      bucket: BUCKET,
      ...S3_KEYS,
      forcePathStyle: true,
      embeddedDir: "",
      embeddedPort: 0,
    });
    // The web node's recorder control API (what the co-located recorder mounts beside /whip) over its own folder.
    const control = createRecorderControl({ secret: SECRET, directory: capturedDir() });
    recorder = createServer((req, res) => void control(req, res).then((handled) => handled || res.writeHead(404).end()));
    await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
    whipUrl = `http://127.0.0.1:${(recorder.address() as { port: number }).port}/whip`;

    worker = startChild("remote-worker", process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "entrypoints/worker.ts"], {
      cwd: ROOT,
      env: { NODE_ENV: "test", PATH: process.env.PATH, HOME: process.env.HOME, ...env(path.join(dir, "worker-host"), workerRecordings()) },
    });
    await worker.waitForLine((l) => jsonLine(l)?.msg === "worker ready", 45_000);
    web = await startRecordingBackend(
      parseEnv(env(path.join(dir, "web-node"), capturedDir())),
      { db, storage: store, logger: silentLogger, authSecret: "w".repeat(48) } as unknown as CoreServices,
      { runWorker: false, logger: silentLogger },
    );
  }, 90_000);

  afterAll(async () => {
    await worker?.stop();
    await web?.close();
    recorder?.close();
    await stack?.close();
    await db?.close();
    await store?.close();
    await s3?.close();
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** A stopped two-person recording captured on the web node, its destination that node's recorder. */
  async function capturedElsewhere(damage?: (recordingDir: string) => void) {
    const stopped = await stoppedRecording(stack, host, capturedDir(), SECONDS);
    damage?.(path.join(capturedDir(), stopped.id));
    await db.prisma.recording.update({ where: { id: stopped.id }, data: { destination: whipUrl } });
    await web.onChange({ ...stopped, destination: whipUrl });
    return stopped.id;
  }

  it("fetches the raw files: the movie shows each participant's colour and plays each one's tone", async () => {
    const id = await capturedElsewhere();
    const row = await untilRecordingStatus(db, id, "ready", 90_000);
    await worker.waitForLine(
      (l) => jsonLine(l)?.msg === "fetched raw files from the recorder that captured them" && jsonLine(l)?.recordingId === id,
      5000,
    );
    const object = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: row.movieKey! }));
    const file = path.join(dir, "movie.mp4");
    writeFileSync(file, await object.Body!.transformToByteArray());
    const content = expectMovieContent(file, TWO_PERSON_MEDIA);
    console.info(`remote worker: ${JSON.stringify(content.tones.map((t) => [t.label, t.secondsWithTone, t.seconds]))}`);
    // Nothing was ever in the worker's own RECORDER_DIR.
    expect(readdirSync(workerRecordings())).toEqual([]);
  }, 120_000);

  it("a track the recorder lost: the recording fails with the file named, and no movie is stored", async () => {
    const id = await capturedElsewhere((recordingDir) => rmSync(path.join(recordingDir, "agent:ann/ann/track0-video.webm")));
    const row = await untilRecordingStatus(db, id, "failed", 90_000);
    expect(row.error).toMatch(/agent:ann\/ann\/track0-video\.webm/);
    expect(row.movieKey).toBeNull();
  }, 120_000);
});
