// The S3 endpoint goes away (connections reset, new ones refused, through a fault proxy) while a stopped
// recording is composited: the upload waits and retries (in the upload, then as a retried job), the raw
// files are never touched, and once S3 is back the recording ends `ready` with its movie in the bucket.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import type { CoreServices } from "@/server/service-registry";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { startTcpFaultProxy, type TcpFaultProxy } from "@/tests/support/tcp-fault-proxy";
import { testDatabaseMode } from "@/tests/support/test-database";
import { within } from "@/tests/support/faults/chat-load";
import {
  agentIdentity,
  probeMovie,
  S3_KEYS,
  startS3Server,
  stoppedRecording,
  untilRecordingStatus,
} from "@/tests/support/faults/recording-fixtures";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const S3_PORT = 4610;
const PROXY_PORT = 4611;
const BUCKET = "s3-outage";
const SECONDS = 4;
const OUTAGE_MS = 6000;

/** Every file under `dir` with its size: the raw recording as the recorder left it. */
function snapshot(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      out[path.relative(dir, path.join(entry.parentPath, entry.name))] = statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return out;
}

describe.skipIf(!hasFfmpeg)(`S3 outage during a recording's upload (${testDatabaseMode()})`, () => {
  let dir: string;
  let stack: RealtimeStack;
  let s3: { endpoint: string; close(): Promise<void> };
  let proxy: TcpFaultProxy;
  let store: ObjectStore;
  let direct: S3Client;
  let backend: RecordingBackend;
  let host: Identity;
  const warnings: string[] = [];
  const recordingsDir = () => path.join(dir, "recordings");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "vhd-fault-s3-"));
    stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
    host = await agentIdentity(stack.db);
    s3 = await startS3Server({ port: S3_PORT, directory: path.join(dir, "s3"), bucket: BUCKET });
    proxy = await startTcpFaultProxy({ port: S3_PORT }, { port: PROXY_PORT });
    const common = { region: "us-east-1", bucket: BUCKET, ...S3_KEYS, forcePathStyle: true, embeddedDir: "", embeddedPort: 0 };
    store = await openObjectStore({ ...common, endpoint: `http://127.0.0.1:${PROXY_PORT}` });
    direct = (await openObjectStore({ ...common, endpoint: s3.endpoint })).client; // the test's own view of the bucket
    // The pipeline's warnings (its retries) are what the test watches; everything else is dropped.
    const sink = new Writable({
      write: (chunk, _e, done) => {
        warnings.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: "warn" }, sink);
    const env = parseEnv({
      DATA_DIR: dir,
      RECORDER_DIR: recordingsDir(),
      COMPOSE_WIDTH: "640",
      COMPOSE_HEIGHT: "360",
      COMPOSE_RETRY_LIMIT: "5",
      COMPOSE_RETRY_DELAY_SECONDS: "1",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      RECORDING_RETENTION_DAYS: "0",
      DATABASE_URL: process.env.DATABASE_URL,
    });
    backend = await startRecordingBackend(
      env,
      { db: stack.db, storage: store, logger, authSecret: "s".repeat(48) } as unknown as CoreServices,
      { runWorker: true, logger },
    );
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await store?.close();
    direct?.destroy();
    await proxy?.close();
    await s3?.close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("waits and retries while S3 is away, never deletes the raw files, and ends ready once S3 is back", async () => {
    const stopped = await stoppedRecording(stack, host, recordingsDir(), SECONDS);
    const raw = path.join(recordingsDir(), stopped.id);
    const before = snapshot(raw);
    expect(Object.keys(before).filter((f) => f.endsWith(".webm"))).toHaveLength(4);

    await proxy.cut();
    const cutAt = Date.now();
    await backend.onChange(stopped);
    // The movie is composed, then its upload fails against the missing endpoint and is retried.
    await within("an upload retry", 20_000, async () =>
      warnings.some((w) => w.includes(stopped.id) && /upload .* failed; retrying/.test(w)),
    );
    while (Date.now() - cutAt < OUTAGE_MS) {
      expect(snapshot(raw)).toEqual(before);
      expect((await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } })).status).toBe("processing");
      await new Promise((r) => setTimeout(r, 250));
    }
    await proxy.restore();
    const restoredAt = Date.now();

    const row = await untilRecordingStatus(stack.db, stopped.id, "ready", 45_000);
    const retries = warnings.filter((w) => w.includes(stopped.id)).length;
    console.info(`s3-outage: ${retries} retry warnings; ready ${Date.now() - restoredAt} ms after S3 came back`);
    expect(snapshot(raw)).toEqual(before);
    const object = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: row.movieKey! }));
    const file = path.join(dir, "downloaded.mp4");
    writeFileSync(file, await object.Body!.transformToByteArray());
    expect(object.ContentLength).toBe(Number(row.movieBytes));
    const probe = probeMovie(file);
    expect(probe.decodeErrors).toBe("");
    expect(Math.abs(probe.seconds - SECONDS)).toBeLessThan(0.5);
  }, 60_000);
});
