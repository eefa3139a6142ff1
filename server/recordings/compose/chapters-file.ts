// The movie's chapters (lib/compositing/chapters.ts) as the WebVTT file stored beside it, `chapters.vtt` under the
// recording's prefix: made from the same manifest, capture spans and layout changes as the movie itself, so every
// chapter starts where its event is in the movie. Written again whenever the movie is (a re-composite after a
// layout change rewrites it), and deleted with everything else under the prefix.
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { liveKeys } from "@/lib/compositing/live";
import { recordingChapters } from "@/lib/compositing/chapters";
import { parseManifest } from "@/lib/compositing/manifest";
import type { LayoutChange, LayoutName, TimeSpan } from "@/lib/compositing/timeline";
import { chaptersToWebVtt } from "@/lib/compositing/webvtt";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { recordingPrefix } from "@/server/recordings/recording-objects";

export interface ChaptersFileInput {
  manifestText: string;
  /** Capture spans in wall clock, as the movie was made from; none: the manifest's own extent (as composeRecording). */
  spans: TimeSpan[];
  layoutChanges: LayoutChange[];
  defaultLayout: LayoutName;
  /** The movie's length (ffprobe): no chapter starts after it. */
  durationMs?: number;
  outFile: string;
}

/** Writes the file; the number of chapters in it. */
export async function writeChaptersFile(o: ChaptersFileInput): Promise<number> {
  const { events } = parseManifest(o.manifestText);
  const spans = o.spans.length > 0 ? o.spans : events.length > 0 ? [extentOf(events)] : [];
  const range =
    spans.length > 0
      ? { fromMs: Math.min(...spans.map((s) => s.fromMs)), toMs: Math.max(...spans.map((s) => s.toMs)) }
      : { fromMs: 0, toMs: 0 };
  const chapters = recordingChapters({
    events,
    range,
    spans,
    layoutChanges: o.layoutChanges,
    defaultLayout: o.defaultLayout,
    durationMs: o.durationMs,
  });
  await writeFile(o.outFile, chaptersToWebVtt(chapters));
  return chapters.length;
}

function extentOf(events: { atMs: number }[]): TimeSpan {
  return { fromMs: Math.min(...events.map((e) => e.atMs)), toMs: Math.max(...events.map((e) => e.atMs)) };
}

/**
 * The manifest the chapters come from when the movie was not made from raw files here: the co-located recorder's
 * (its folder without one: nobody published, no chapters), else the one the live renderer stored with its windows
 * (another node rendered it, or it was lost). Undefined: none at hand, no chapters rather than wrong ones.
 */
export async function manifestForChapters(o: {
  recordingsDir: string;
  recordingId: string;
  storage: ObjectStorage;
}): Promise<string | undefined> {
  const localDir = path.join(o.recordingsDir, o.recordingId);
  const local = await readFile(path.join(localDir, "manifest.jsonl"), "utf8").catch(() => undefined);
  if (local !== undefined) return local;
  if (
    await stat(localDir).then(
      (s) => s.isDirectory(),
      () => false,
    )
  )
    return "";
  const stored = await o.storage.getBytes(recordingPrefix(o.recordingId) + liveKeys.manifest).catch(() => undefined);
  return stored?.toString("utf8");
}
