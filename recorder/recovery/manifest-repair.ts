import { open, readFile, truncate } from "node:fs/promises";
import path from "node:path";
import { parseManifestText } from "@/lib/recording-manifest/read";
import type { ManifestLine, TrackStartLine } from "@/lib/recording-manifest/schema";
import { formatManifestLine, MANIFEST_FILE, type ManifestLineInput } from "@/recorder/ingest/manifest";

// The recording's manifest (lib/recording-manifest/schema.ts); recovery only appends the lines a crash kept from being written.
export { MANIFEST_FILE };

export interface EndedTrack {
  /** Path relative to the recording's folder, as `track-start.file` has it. */
  file: string;
  durationMs: number;
  frames: number;
}

/**
 * Reads the manifest, dropping a torn last line from the file itself (a crash mid-write) so that
 * what we append starts on a line of its own. Undefined when the recording has no manifest.
 */
async function readAndTrim(file: string): Promise<ManifestLine[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = parseManifestText(text);
  if (parsed.tail === "whole") await appendText(file, "\n");
  else if (parsed.tail === "torn") await truncate(file, Buffer.byteLength(text.slice(0, parsed.terminatedLength)));
  return parsed.lines;
}

async function appendText(file: string, text: string) {
  const fh = await open(file, "a");
  try {
    await fh.write(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Appends `track-end` for every track the manifest started for this session but never ended, and
 * `session-end` with reason `recovered-after-crash` unless the session already has one.
 * Returns how many lines were appended (0 on a second run).
 */
export async function completeManifest(
  recordingDir: string,
  session: { sessionId: string; endedAtMs: number; tracks: EndedTrack[] },
): Promise<number> {
  const file = path.join(recordingDir, MANIFEST_FILE);
  const lines = await readAndTrim(file);
  if (!lines) return 0;
  const mine = lines.filter((l) => "sessionId" in l && l.sessionId === session.sessionId);
  const ended = new Set(mine.flatMap((l) => (l.type === "track-end" ? [l.trackId] : [])));
  const out: ManifestLineInput[] = [];
  const unended = mine.filter((l): l is TrackStartLine => l.type === "track-start" && !ended.has(l.trackId));
  for (const start of unended) {
    // Same session, so the file name alone identifies the track even if the path was spelled differently.
    const track = session.tracks.find((t) => t.file === start.file || path.posix.basename(t.file) === path.posix.basename(start.file));
    out.push({
      type: "track-end",
      atMs: session.endedAtMs,
      sessionId: session.sessionId,
      trackId: start.trackId,
      durationMs: Math.round(track?.durationMs ?? 0),
      frames: track?.frames ?? 0,
    });
  }
  if (!mine.some((l) => l.type === "session-end")) {
    out.push({ type: "session-end", atMs: session.endedAtMs, sessionId: session.sessionId, reason: "recovered-after-crash" });
  }
  const text = out.map((l) => {
    const line = formatManifestLine(l);
    if ("error" in line) throw line.error;
    return line.text;
  });
  if (text.length > 0) await appendText(file, text.join(""));
  return out.length;
}
