// Races between writers of one recording, on the real database: the change that lost must not overwrite the one
// that won. A stop racing callStarted stays stopped; a delete while a compose job runs stays deleted and the
// job's uploads go; a keep arriving during a retention sweep keeps the recording and its movie.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import type { Identity } from "@/lib/realtime/identity";
import { MeetingPointStore } from "@/server/help-desk/meeting-point-store";
import type { Tx } from "@/server/help-desk/meeting-point-store";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import type { PrismaClient } from "@/server/platform/database/generated/client";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import { RecordingService } from "@/server/recordings/recording-control";
import { RecordingStore } from "@/server/recordings/recording-store";
import { recordingRetention, sweepExpiredRecordings } from "@/server/recordings/retention";
import type { CoreServices } from "@/server/service-registry";
import { agentIdentity, stoppedRecording, untilRecordingStatus } from "@/tests/support/faults/recording-fixtures";
import { RECORDER_SECRET, startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, testDatabaseMode } from "@/tests/support/test-database";
import { TEST_CLIENT } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const BUCKET = "races-test";

/** Runs `meanwhile` once, just before the next read of a meeting point: a change landing between read and write. */
class InterleavingMeetingPoints extends MeetingPointStore {
  meanwhile?: () => Promise<unknown>;
  override async find(id: string, tx?: Tx | PrismaClient) {
    const hook = this.meanwhile;
    this.meanwhile = undefined;
    await hook?.();
    return super.find(id, tx);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(`recording races (${testDatabaseMode()})`, () => {
  let stack: RealtimeStack;
  let host: Identity;
  let dataDir: string;
  let store: ObjectStore;
  let backend: RecordingBackend;
  const jobsDone: string[] = [];
  /** Runs once when a recording is announced as processing (a compose job just claimed it). */
  const onProcessing = new Map<string, () => void>();

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "vhd-races-"));
    stack = await startRealtimeStack({ recordingsDir: path.join(dataDir, "recordings") });
    host = await agentIdentity(stack.db);
    store = await openObjectStore({
      region: "us-east-1",
      bucket: BUCKET,
      forcePathStyle: true,
      embeddedDir: path.join(dataDir, "s3"),
      embeddedPort: await freePort(),
    });
    const env = parseEnv({
      DATA_DIR: dataDir,
      RECORDER_DIR: path.join(dataDir, "recordings"),
      COMPOSE_WIDTH: "640",
      COMPOSE_HEIGHT: "360",
      COMPOSE_RETRY_DELAY_SECONDS: "1",
      JOBS_POLL_INTERVAL_SECONDS: "0.5",
      RECORDING_RETENTION_DAYS: "3",
      DATABASE_URL: process.env.DATABASE_URL,
      RECORDER_SECRET,
    });
    const core = { db: stack.db, storage: store, logger: silentLogger, authSecret: "a".repeat(48) } as unknown as CoreServices;
    backend = await startRecordingBackend(env, core, {
      runWorker: true,
      logger: silentLogger,
      publish: (view) => {
        if (view.status !== "processing") return;
        const hook = onProcessing.get(view.id);
        onProcessing.delete(view.id);
        hook?.();
      },
      onJobDone: (_seconds, outcome) => void jobsDone.push(outcome),
    });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await store?.close();
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const listed = async (prefix: string) => {
    const out = await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((c) => c.Key!).sort();
  };

  it("stop racing callStarted: the recording ends stopped, never back to recording", async () => {
    const meetingPoints = new InterleavingMeetingPoints(stack.db.prisma);
    const service = new RecordingService(new RecordingStore(stack.db.prisma), meetingPoints, {
      publisherSecret: RECORDER_SECRET,
      whipBaseUrl: "http://127.0.0.1:9/whip",
    });
    const mp = await stack.desk.meetingPoints.create(host, null);
    const armed = await service.start(host, mp.id);
    expect(armed.status).toBe("armed");

    // callStarted has read the armed recording; the host stops it before callStarted writes.
    meetingPoints.meanwhile = () => service.stop(host, mp.id);
    await service.callStarted(mp.id);

    const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: armed.id } });
    expect(row.status).toBe("stopped");
    expect(row.startedAt).toBeNull();
    expect(row.spans).toEqual([]);
  });

  it.skipIf(!hasFfmpeg)(
    "delete while a compose job runs: it stays deleted and the objects the job uploaded are removed",
    async () => {
      const stopped = await stoppedRecording(stack, host, path.join(dataDir, "recordings"), 4);
      const done = jobsDone.length;
      let removal: Promise<unknown> | undefined;
      onProcessing.set(stopped.id, () => void (removal = backend.library.remove(host, stopped.id, TEST_CLIENT).catch((e: Error) => e)));
      await backend.onChange(stopped);

      await expect.poll(() => jobsDone.length, { timeout: 60_000, interval: 200 }).toBeGreaterThan(done);
      expect(removal).toBeDefined();
      const removed = await removal;
      expect(removed).not.toBeInstanceOf(Error);
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } });
      expect(row).toMatchObject({ status: "deleted", movieKey: null, posterKey: null });
      expect(jobsDone.at(-1)).toBe("completed");
      expect(await listed(`recordings/${stopped.id}/`)).toEqual([]);
    },
    90_000,
  );

  it.skipIf(!hasFfmpeg)(
    "keep set during a retention sweep: the kept recording is not expired and its movie stays",
    async () => {
      const stopped = await stoppedRecording(stack, host, path.join(dataDir, "recordings"), 2);
      await backend.onChange(stopped);
      await untilRecordingStatus(stack.db, stopped.id, "ready", 60_000);
      const objects = await listed(`recordings/${stopped.id}/`);
      expect(objects).toHaveLength(3); // movie, poster, chapters
      await stack.db.prisma.recording.update({ where: { id: stopped.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

      // The sweep has listed it as due; the agent keeps it before the sweep gets to it.
      const source = recordingRetention(backend.library.store, async () => undefined);
      const result = await sweepExpiredRecordings({
        storage: store,
        ...source,
        listExpired: async () => {
          const due = await source.listExpired();
          expect(due.map((d) => d.id)).toContain(stopped.id);
          await backend.library.update(host, stopped.id, { keep: true }, TEST_CLIENT);
          return due;
        },
      });

      expect(result.expired.map((e) => e.id)).not.toContain(stopped.id);
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: stopped.id } });
      expect(row).toMatchObject({ status: "ready", keep: true, movieKey: `recordings/${stopped.id}/movie.mp4` });
      expect(await listed(`recordings/${stopped.id}/`)).toEqual(objects);
    },
    90_000,
  );
});
