import { open, readFile, truncate } from "node:fs/promises";
import path from "node:path";

/** The recording's manifest (recorder/MANIFEST.md); recovery only appends the lines a crash kept from being written. */
export const MANIFEST_FILE = "manifest.jsonl";

export interface EndedTrack {
  /** Path relative to the recording's folder, as `track-start.file` has it. */
  file: string;
  durationMs: number;
  frames: number;
}

type Line = Record<string, unknown>;

/**
 * Reads the manifest, dropping a torn last line from the file itself (a crash mid-write) so that
 * what we append starts on a line of its own. Undefined when the recording has no manifest.
 */
async function readAndTrim(file: string): Promise<Line[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  const lastNewline = text.lastIndexOf("\n");
  const tail = text.slice(lastNewline + 1);
  if (tail.trim()) {
    let whole = false;
    try {
      JSON.parse(tail);
      whole = true;
    } catch {
      // torn
    }
    if (whole) await appendText(file, "\n");
    else await truncate(file, Buffer.byteLength(text.slice(0, lastNewline + 1)));
  }
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    try {
      lines.push(JSON.parse(raw) as Line);
    } catch {
      // a torn line
    }
  }
  return lines;
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
  const mine = lines.filter((l) => l.sessionId === session.sessionId);
  const ended = new Set(mine.filter((l) => l.type === "track-end").map((l) => l.trackId));
  const out: Line[] = [];
  for (const start of mine.filter((l) => l.type === "track-start" && !ended.has(l.trackId))) {
    // Same session, so the file name alone identifies the track even if the path was spelled differently.
    const track = session.tracks.find((t) => t.file === start.file || path.posix.basename(t.file) === path.posix.basename(String(start.file)));
    out.push({
      type: "track-end", atMs: session.endedAtMs, sessionId: session.sessionId, trackId: start.trackId,
      durationMs: Math.round(track?.durationMs ?? 0), frames: track?.frames ?? 0,
    });
  }
  if (!mine.some((l) => l.type === "session-end")) {
    out.push({ type: "session-end", atMs: session.endedAtMs, sessionId: session.sessionId, reason: "recovered-after-crash" });
  }
  if (out.length > 0) await appendText(file, out.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return out.length;
}
