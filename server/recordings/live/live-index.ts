// The live output's own record, stored beside its segments (`recordings/<id>/live/index.json`): which windows
// exist, whether the recording stopped, and what they were rendered from. Kept in the object store rather than the
// database so that any node or worker can finish a recording from what is stored, whoever rendered it.
import { createHash } from "node:crypto";
import { z } from "zod";
import { liveKeys } from "@/lib/compositing/live";
import type { LayoutChange, LayoutName, TimeSpan } from "@/lib/compositing/timeline";
import { isObjectNotFound, type ObjectStorage } from "@/server/platform/storage/object-storage";
import { deleteRecordingObjects } from "@/server/recordings/recording-objects";

export const liveIndexSchema = z.object({
  version: z.literal(1),
  windowMs: z.number().positive(),
  segments: z.array(z.object({ index: z.number().int().min(0), durationMs: z.number().positive() })),
  /** Stopped and every window rendered: the segments are the whole recording. */
  ended: z.boolean(),
  /** What the windows were rendered from (basisOf); a movie assembled from them must be of the same. */
  basis: z.string(),
  /** The same without the spans (layoutBasisOf): whether the windows are of the layout the recording has now. */
  layoutBasis: z.string().optional(),
  updatedAt: z.string(),
  /** Per-recording: how far rendering trails capture, and the wall time spent rendering (for /metrics and the API view). */
  lagMs: z.number().optional(),
  renderSeconds: z.number().optional(),
});
export type LiveIndex = z.infer<typeof liveIndexSchema>;

export interface LiveBasis {
  spans: TimeSpan[];
  layout: LayoutName;
  layoutChanges: LayoutChange[];
  output: { width: number; height: number };
}

/** A digest of everything that decides the movie's pictures and sound; spans only count once stopped. */
export function basisOf(b: LiveBasis): string {
  return createHash("sha256")
    .update(JSON.stringify([b.spans.filter((s) => s.toMs > s.fromMs), b.layout, b.layoutChanges, b.output.width, b.output.height]))
    .digest("hex");
}

/** What decides the pictures, without the spans: a lost node's windows are of the recording's layout if this matches. */
export function layoutBasisOf(b: Omit<LiveBasis, "spans">): string {
  return basisOf({ ...b, spans: [] });
}

export const livePrefix = (recordingId: string) => `recordings/${recordingId}/`;

type Store = ObjectStorage;

export async function writeLiveIndex(storage: Store, recordingId: string, index: LiveIndex): Promise<void> {
  await storage.put(livePrefix(recordingId) + liveKeys.index, JSON.stringify(index), {
    contentType: "application/json",
    cacheControl: "no-store",
  });
}

/**
 * null when the recording has no live output (or it does not match the schema: then it is not trusted either).
 * A body that is not JSON is read again: the embedded store writes an object in place, so a read racing the next
 * window's index update has been seen to get it empty (measured in the node-loss test).
 */
export async function readLiveIndex(storage: Store, recordingId: string, attempts = 4): Promise<LiveIndex | null> {
  let text: string;
  try {
    text = (await storage.getBytes(livePrefix(recordingId) + liveKeys.index)).toString("utf8");
  } catch (err) {
    if (isObjectNotFound(err)) return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    if (attempts <= 1) throw err;
    await new Promise((r) => setTimeout(r, 50));
    return readLiveIndex(storage, recordingId, attempts - 1);
  }
  const parsed = liveIndexSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/**
 * Removes a recording's live output when it was rendered from something else than `basis` (the movie was made again
 * from the raw files): its VOD playlist would otherwise play the old layout. Returns whether it removed anything.
 */
export async function dropStaleLiveOutput(storage: Store, recordingId: string, basis: string): Promise<boolean> {
  const index = await readLiveIndex(storage, recordingId);
  if (!index || index.basis === basis) return false;
  await deleteRecordingObjects(storage, { id: recordingId, keys: [], prefix: `${livePrefix(recordingId)}live/` });
  return true;
}
