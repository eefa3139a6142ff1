// Shared by the fault tests around compositing: a standalone S3-compatible server, a stopped recording
// whose raw files are real media laid out as the recorder writes them, and polling the recording row.
import { execFileSync, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import S3rver from "@20minutes/s3rver";
import type { Identity } from "@/lib/realtime/identity";
import type { Database } from "@/server/platform/database/database";
import type { RealtimeStack } from "@/tests/support/realtime-stack";
import { T0, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

/**
 * A key pair of the fault tests' own, added to s3rver's account: its built-in "S3RVER" pair is revoked by every
 * embedded store opened in the same process (s3-embedded.ts), and test files share one process.
 */
export const S3_KEYS = { accessKeyId: "VHDFAULTTESTS", secretAccessKey: "fault-tests-loopback-only" };

export async function startS3Server(opts: {
  port: number;
  directory: string;
  bucket: string;
}): Promise<{ endpoint: string; close(): Promise<void> }> {
  const { DUMMY_ACCOUNT } = createRequire(import.meta.url)("@20minutes/s3rver/lib/models/account.js") as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(S3_KEYS.accessKeyId, S3_KEYS.secretAccessKey);
  const server = new S3rver({
    address: "127.0.0.1",
    port: opts.port,
    directory: opts.directory,
    silent: true,
    configureBuckets: [{ name: opts.bucket, configs: [] }],
    // s3rver canonicalizes bucket-level paths differently from the SDK (platform notes); object calls are still signed.
    allowMismatchedSignatures: true,
  });
  await server.run();
  return { endpoint: `http://127.0.0.1:${opts.port}`, close: () => server.close() };
}

export async function agentIdentity(db: Database, username: "agent1" | "agent2" = "agent1"): Promise<Identity> {
  const agent = await db.prisma.agent.findUniqueOrThrow({ where: { username } });
  return { kind: "agent", id: agent.id, username, name: agent.displayName, role: "agent" };
}

/**
 * A recording started and stopped through the service, with two participants' raw tracks (VP8 + Opus,
 * `seconds` long) in `recordingsDir/<id>/`. Returns the stopped recording as the service reported it.
 */
export async function stoppedRecording(stack: RealtimeStack, host: Identity, recordingsDir: string, seconds: number) {
  const mp = await stack.desk.meetingPoints.create(host, null);
  await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
  const rec = await stack.desk.recordings.start(host, mp.id);
  const dir = path.join(recordingsDir, rec.id);
  writeTwoPersonRecording(dir, seconds);
  const stopped = await stack.desk.recordings.stop(host, mp.id);
  // The synthetic media lives at T0: the recording's span is moved there, as in the pipeline tests.
  await stack.db.prisma.recording.update({
    where: { id: rec.id },
    data: { spans: [{ from: new Date(T0).toISOString(), to: new Date(T0 + seconds * 1000).toISOString() }] },
  });
  return { ...stopped, spans: [{ from: new Date(T0), to: new Date(T0 + seconds * 1000) }] } as typeof stopped;
}

export async function untilRecordingStatus(
  db: Database,
  id: string,
  status: string,
  timeoutMs: number,
  also: (row: Awaited<ReturnType<Database["prisma"]["recording"]["findUniqueOrThrow"]>>) => boolean = () => true,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await db.prisma.recording.findUniqueOrThrow({ where: { id } });
    if (row.status === status && also(row)) return row;
    if (row.status === "failed" && status !== "failed") throw new Error(`recording ${id} failed: ${row.error ?? ""}`);
    if (Date.now() > until) throw new Error(`recording ${id} is ${row.status} (${row.error ?? ""}), not ${status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Container duration in seconds and decode errors (empty when ffmpeg decodes every frame cleanly). */
export function probeMovie(file: string): { seconds: number; streams: string; decodeErrors: string } {
  const seconds = Number(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file], { encoding: "utf8" }).trim(),
  );
  const streams = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", file], {
    encoding: "utf8",
  });
  const decodeErrors = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" }).stderr.trim();
  return { seconds, streams, decodeErrors };
}
