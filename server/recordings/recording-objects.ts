// Everything a recording owns in the object store: the keys the database knows (movie, poster) and whatever lies
// under its prefix (raw tracks uploaded with UPLOAD_RAW_TRACKS, parts the database never recorded). Deleting a
// recording, by an agent or by retention, removes all of it and confirms by listing that nothing remains.
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

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

export async function deleteRecordingObjects(s3: S3Client, bucket: string, recording: RecordingObjects): Promise<number> {
  const keys = new Set(recording.keys);
  if (recording.prefix) for (const key of await listObjectKeys(s3, bucket, recording.prefix)) keys.add(key);
  const all = [...keys];
  let deleted = 0;
  // DeleteObjects takes at most 1000 keys per request.
  for (let i = 0; i < all.length; i += 1000) {
    const batch = all.slice(i, i + 1000);
    const out = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
    );
    // A 200 response can still carry per-key errors (AccessDenied on one key, for example).
    const errors = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
    if (errors.length) throw new Error(`S3 refused to delete ${errors.length} object(s): ${errors[0]!.Key} ${errors[0]!.Code}`);
    deleted += batch.length;
  }
  return deleted;
}

export async function remainingObjects(s3: S3Client, bucket: string, recording: RecordingObjects): Promise<string[]> {
  const left = new Set<string>();
  if (recording.prefix) for (const key of await listObjectKeys(s3, bucket, recording.prefix)) left.add(key);
  // Keys outside the prefix (or with no prefix given) are checked one listing each.
  for (const key of recording.keys) {
    if (recording.prefix && key.startsWith(recording.prefix)) continue;
    if ((await listObjectKeys(s3, bucket, key)).includes(key)) left.add(key);
  }
  return [...left];
}

/** Every key under a prefix, page by page. */
export async function listObjectKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

/** Deletes everything the recording owns and checks that nothing is left (throws naming what remains). */
export async function removeAllObjectsOf(s3: S3Client, bucket: string, recording: RecordingObjects): Promise<number> {
  const deleted = await deleteRecordingObjects(s3, bucket, recording);
  const left = await remainingObjects(s3, bucket, recording);
  if (left.length) throw new Error(`${left.length} object(s) still present after deletion, e.g. ${left[0]}`);
  return deleted;
}
