// A ready recording made the real way: a hosted meeting point, a recording started and stopped through the desk,
// synthetic two-person media in the recorder's folder, then the real compose job (ffmpeg, pg-boss, the object store).
import path from "node:path";
import type { Identity } from "@/lib/realtime/identity";
import type { RecordingBackend } from "@/server/recordings/recording-backend";
import { T0, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";
import type { RealtimeStack } from "@/tests/support/realtime-stack";

export async function makeReadyRecording(o: {
  stack: RealtimeStack;
  backend: RecordingBackend;
  host: Identity;
  recordingsDir: string;
  seconds: number;
  /** Runs while the recording is capturing (e.g. to store consent decisions). */
  whileRecording?: (ids: { recordingId: string; meetingPointId: string }) => Promise<void>;
}): Promise<string> {
  const { stack, host } = o;
  const mp = await stack.desk.meetingPoints.create(host, null);
  await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
  const rec = await stack.desk.recordings.start(host, mp.id);
  writeTwoPersonRecording(path.join(o.recordingsDir, rec.id), o.seconds);
  await o.whileRecording?.({ recordingId: rec.id, meetingPointId: mp.id });
  const stopped = await stack.desk.recordings.stop(host, mp.id);
  await stack.db.prisma.recording.update({
    where: { id: rec.id },
    data: { spans: [{ from: new Date(T0).toISOString(), to: new Date(T0 + o.seconds * 1000).toISOString() }] },
  });
  await o.backend.onChange(stopped);
  const until = Date.now() + 90_000;
  for (;;) {
    const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: rec.id } });
    if (row.status === "ready") return rec.id;
    if (Date.now() > until) throw new Error(`recording is ${row.status} (${row.error ?? ""})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
