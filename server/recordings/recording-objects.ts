// Everything a recording owns in the object store: the keys the database knows (movie, poster) and whatever lies
// under its prefix (raw tracks uploaded with UPLOAD_RAW_TRACKS, parts the database never recorded). Deleting a
// recording, by an agent or by retention, removes all of it and confirms by listing that nothing remains.
import type { ObjectStorage } from "@/server/platform/storage/object-storage";

export interface RecordingObjects {
  id: string;
  /** Keys the database knows about. */
  keys: string[];
  /** Everything under this prefix belongs to the recording; it is listed and deleted too. Without it only `keys`. */
  prefix?: string;
}

export const recordingPrefix = (recordingId: string) => `recordings/${recordingId}/`;

/** The movie's chapters (WebVTT), beside the movie: no database column, it is found by its name. */
export const CHAPTERS_FILE = "chapters.vtt";
export const chaptersKey = (recordingId: string) => `${recordingPrefix(recordingId)}${CHAPTERS_FILE}`;

export async function deleteRecordingObjects(storage: ObjectStorage, recording: RecordingObjects): Promise<number> {
  const keys = new Set(recording.keys);
  if (recording.prefix) for (const key of await storage.list(recording.prefix)) keys.add(key);
  return storage.deleteMany([...keys]);
}

export async function remainingObjects(storage: ObjectStorage, recording: RecordingObjects): Promise<string[]> {
  const left = new Set<string>();
  if (recording.prefix) for (const key of await storage.list(recording.prefix)) left.add(key);
  // Keys outside the prefix (or with no prefix given) are checked one listing each.
  for (const key of recording.keys) {
    if (recording.prefix && key.startsWith(recording.prefix)) continue;
    if ((await storage.list(key)).includes(key)) left.add(key);
  }
  return [...left];
}

/** Deletes everything the recording owns and checks that nothing is left (throws naming what remains). */
export async function removeAllObjectsOf(storage: ObjectStorage, recording: RecordingObjects): Promise<number> {
  const deleted = await deleteRecordingObjects(storage, recording);
  const left = await remainingObjects(storage, recording);
  if (left.length) throw new Error(`${left.length} object(s) still present after deletion, e.g. ${left[0]}`);
  return deleted;
}
