import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** One line of `<directory>/<recordingId>/manifest.jsonl`; see recorder/MANIFEST.md. */
export interface ManifestEvent {
  type: string;
  atMs: number;
  [field: string]: unknown;
}

export const MANIFEST_FILE = "manifest.jsonl";

export function manifestPath(directory: string, recordingId: string): string {
  return path.join(directory, recordingId, MANIFEST_FILE);
}

/**
 * Appends manifest lines for one recording. Each line goes to the OS with one synchronous
 * append (O_APPEND), so a SIGKILL loses nothing already appended and lines of concurrent sessions
 * never interleave (Node runs one append at a time; each is a single write of a whole line).
 */
export class ManifestWriter {
  readonly path: string;
  private failed = false;

  constructor(directory: string, readonly recordingId: string, private readonly onError?: (err: unknown) => void) {
    this.path = manifestPath(directory, recordingId);
    mkdirSync(path.dirname(this.path), { recursive: true });
  }

  append(event: Omit<ManifestEvent, "atMs"> & { atMs?: number }): void {
    const line = JSON.stringify({ ...event, atMs: event.atMs ?? Date.now() }) + "\n";
    try {
      appendFileSync(this.path, line);
      this.failed = false;
    } catch (err) {
      // Reported once per failure streak: a full disk must not flood the log or stop the media.
      if (!this.failed) this.onError?.(err);
      this.failed = true;
    }
  }
}

/** Reads a manifest, skipping a torn last line (a crash in the middle of a write). */
export function readManifest(directory: string, recordingId: string): ManifestEvent[] {
  let text: string;
  try {
    text = readFileSync(manifestPath(directory, recordingId), "utf8");
  } catch {
    return [];
  }
  const events: ManifestEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ManifestEvent);
    } catch {
      // torn line
    }
  }
  return events;
}

/** One writer per recording, shared by all its sessions; released when the last session ends. */
export class ManifestRegistry {
  private readonly writers = new Map<string, { writer: ManifestWriter; users: number }>();

  constructor(private readonly directory: string, private readonly onError?: (err: unknown) => void) {}

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
