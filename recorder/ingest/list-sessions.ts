// What a recording holds on disk: one folder per publisher session, with its session.json and track files.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";

export interface StoredSession {
  participantId: string;
  displayName: string;
  sessionId: string;
  startedAtMs: number;
  endedAtMs: number | null;
  endReason: string | null;
  files: { name: string; bytes: number }[];
}

async function dirs(p: string): Promise<string[]> {
  try {
    return (await readdir(p, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

export async function listRecordingSessions(directory: string, recordingId: string): Promise<StoredSession[]> {
  const root = path.join(directory, recordingId);
  const sessions: StoredSession[] = [];
  for (const participant of await dirs(root)) {
    for (const sessionId of await dirs(path.join(root, participant))) {
      const dir = path.join(root, participant, sessionId);
      let meta: Record<string, unknown> = {};
      try {
        meta = JSON.parse(await readFile(path.join(dir, "session.json"), "utf8")) as Record<string, unknown>;
      } catch {
        // a session whose metadata was never written (crash at set-up) still lists its files
      }
      const files = [];
      for (const name of (await readdir(dir)).filter((n) => n !== "session.json").sort()) {
        files.push({ name, bytes: (await stat(path.join(dir, name))).size });
      }
      sessions.push({
        participantId: String(meta.participantId ?? participant),
        displayName: String(meta.displayName ?? ""),
        sessionId,
        startedAtMs: Number(meta.startedAtMs ?? 0),
        endedAtMs: typeof meta.endedAtMs === "number" ? meta.endedAtMs : null,
        endReason: typeof meta.endReason === "string" ? meta.endReason : null,
        files,
      });
    }
  }
  return sessions.sort((a, b) => a.startedAtMs - b.startedAtMs);
}
