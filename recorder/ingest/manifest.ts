import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseManifestText } from "@/lib/recording-manifest/read";
import { manifestLine, manifestLineSchemas, manifestTrackId, type ManifestLine, type TrackLineBody } from "@/lib/recording-manifest/schema";
import type { TrackInfo } from "@/recorder/pipeline/types";

/** One line of `<directory>/<recordingId>/manifest.jsonl`; the contract is lib/recording-manifest/schema.ts. */
export type ManifestEvent = ManifestLine;

/** A line to append; `atMs` defaults to now. */
export type ManifestLineInput = LineWithOptionalTime<ManifestLine>;
type LineWithOptionalTime<L> = L extends ManifestLine ? Omit<L, "atMs"> & { atMs?: number } : never;

export const MANIFEST_FILE = "manifest.jsonl";

export function manifestPath(directory: string, recordingId: string): string {
  return path.join(directory, recordingId, MANIFEST_FILE);
}

/**
 * The manifest line for one of a track's own events: its session, track id, kind and codec, and its file relative
 * to the recording's folder are filled in here.
 */
export function trackManifestLine(
  sessionId: string,
  track: Pick<TrackInfo, "trackIndex" | "kind" | "codec">,
  file: string,
  e: TrackLineBody,
): ManifestLineInput {
  const address = { sessionId, trackId: manifestTrackId(sessionId, track.trackIndex, track.kind) };
  switch (e.type) {
    case "track-start":
      return { ...e, ...address, kind: track.kind, codec: track.codec, file, atMs: e.mediaZeroMs };
    case "mute":
    case "unmute":
      return { ...e, ...address, kind: track.kind };
    case "track-end":
      return { type: e.type, ...address, durationMs: Math.round(e.durationMs), frames: e.frames };
    default:
      return { ...e, ...address };
  }
}

/** The JSON text of one line (with its "\n"), or an error saying which field breaks the contract. */
export function formatManifestLine(event: ManifestLineInput, nowMs = Date.now()): { text: string } | { error: Error } {
  // Validated on every write (a few lines a second per track): a line the readers would skip is a bug to report.
  const schema = Object.hasOwn(manifestLineSchemas, event.type) ? manifestLineSchemas[event.type] : manifestLine;
  const parsed = schema.safeParse({ ...event, atMs: event.atMs ?? nowMs });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: new Error(`invalid ${event.type} manifest line (${issue?.path.join(".")}: ${issue?.message})`) };
  }
  return { text: `${JSON.stringify(parsed.data)}\n` };
}

/**
 * Appends manifest lines for one recording. Each line goes to the OS with one synchronous
 * append (O_APPEND), so a SIGKILL loses nothing already appended and lines of concurrent sessions
 * never interleave (Node runs one append at a time; each is a single write of a whole line).
 */
export class ManifestWriter {
  readonly path: string;
  private failed = false;

  constructor(
    directory: string,
    readonly recordingId: string,
    private readonly onError?: (err: unknown) => void,
  ) {
    this.path = manifestPath(directory, recordingId);
    mkdirSync(path.dirname(this.path), { recursive: true });
  }

  append(event: ManifestLineInput): void {
    const line = formatManifestLine(event);
    if ("error" in line) {
      this.onError?.(line.error);
      return;
    }
    try {
      appendFileSync(this.path, line.text);
      this.failed = false;
    } catch (err) {
      // Reported once per failure streak: a full disk must not flood the log or stop the media.
      if (!this.failed) this.onError?.(err);
      this.failed = true;
    }
  }
}

/** Reads a manifest's valid lines, skipping a torn last line (a crash in the middle of a write). */
export function readManifest(directory: string, recordingId: string): ManifestEvent[] {
  let text: string;
  try {
    text = readFileSync(manifestPath(directory, recordingId), "utf8");
  } catch {
    return [];
  }
  return parseManifestText(text).lines;
}

/** One writer per recording, shared by all its sessions; released when the last session ends. */
export class ManifestRegistry {
  private readonly writers = new Map<string, { writer: ManifestWriter; users: number }>();

  constructor(
    private readonly directory: string,
    private readonly onError?: (err: unknown) => void,
  ) {}

  acquire(recordingId: string): ManifestWriter {
    let entry = this.writers.get(recordingId);
    if (!entry) {
      entry = { writer: new ManifestWriter(this.directory, recordingId, this.onError), users: 0 };
      this.writers.set(recordingId, entry);
    }
    entry.users++;
    return entry.writer;
  }

  release(recordingId: string): void {
    const entry = this.writers.get(recordingId);
    if (entry && --entry.users <= 0) this.writers.delete(recordingId);
  }
}
