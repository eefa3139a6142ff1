// Where a compositing job finds a recording's raw files: the co-located recorder's folder, the chunks streamed to
// storage while it ran (UPLOAD_RAW_TRACKS, once closed at Stop), or a copy fetched from the recorder that captured
// it on another host.
import { access, rm, stat } from "node:fs/promises";
import path from "node:path";
import { fetchRecordingFiles } from "@/recorder/control";
import type { Logger } from "@/server/platform/logger";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { rawChunksComplete, restoreRawChunks } from "@/server/recordings/live/raw-track-stream";

export interface RawFilesSourceOptions {
  recordingsDir: string;
  remote?: { secret: string; defaultRecorderUrl: string | null };
  storage: ObjectStorage;
}

/** The folder holding the recording's raw files: the co-located recorder's, or a copy fetched from its owner. */
export function rawFilesSource(o: RawFilesSourceOptions) {
  return async function rawFilesOf(recordingId: string, destination: string | null, scratch: string, log: Logger): Promise<string> {
    const local = path.join(o.recordingsDir, recordingId);
    if (
      await access(path.join(local, "manifest.jsonl")).then(
        () => true,
        () => false,
      )
    )
      return local;
    // Streamed while recording (UPLOAD_RAW_TRACKS) and closed at Stop: storage has them whole, wherever they were made.
    if ((await rawChunksComplete(o.storage, recordingId)) && (await restoreChunks(o.storage, recordingId, scratch, log))) return scratch;
    const owner = destination ?? o.remote?.defaultRecorderUrl ?? null;
    if (!owner || !o.remote) {
      // The co-located recorder makes the folder at start: present without a manifest, nobody published.
      if (
        await stat(local).then(
          (s) => s.isDirectory(),
          () => false,
        )
      )
        return local;
      throw new Error(
        `the raw files are not in this worker's RECORDER_DIR (${o.recordingsDir}) and no recorder is named to fetch them from: ` +
          "run the worker where RECORDER_DIR is, or set NODE_URL on the web nodes so workers fetch from them",
      );
    }
    await rm(scratch, { recursive: true, force: true });
    // The recorder's control API sits beside its WHIP endpoint (…/whip → …).
    const fetched = await fetchRecordingFiles({
      baseUrl: owner.replace(/\/whip\/?$/, ""),
      secret: o.remote.secret,
      recordingId,
      into: scratch,
    });
    log.info({ recorder: owner, ...fetched }, "fetched raw files from the recorder that captured them");
    return scratch;
  };
}

/**
 * Whatever raw bytes are in storage (a lost node's chunks stop where it died) into `scratch`; false when none were
 * streamed. The job's last resort when the raw files are gone and no live windows are of the recording's layout.
 */
export async function restoreChunks(storage: ObjectStorage, recordingId: string, scratch: string, log: Logger): Promise<boolean> {
  await rm(scratch, { recursive: true, force: true });
  const files = await restoreRawChunks(storage, recordingId, scratch);
  if (files > 0) log.info({ files }, "raw files restored from the chunks streamed while recording");
  return files > 0;
}
