import { readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { completeManifest } from "@/recorder/recovery/manifest-repair";
import { repairMatroskaFile, type RepairStatus } from "@/recorder/recovery/repair-matroska";

/**
 * Crash recovery: run it on the recordings directory BEFORE the ingest accepts sessions (a live
 * session also has no `endedAtMs`). Every session folder the previous process left unfinished gets
 * its track files repaired, `endedAtMs` + `endReason: "recovered-after-crash"` in session.json, and
 * the missing end lines in the recording's manifest. A second run finds nothing to do.
 */

export const RECOVERED_REASON = "recovered-after-crash";

export interface RecoveredTrack {
  /** Relative to the recording's folder, e.g. `<participantId>/<sessionId>/track0-video.webm`. */
  file: string;
  status: RepairStatus;
  durationMs: number;
  frames: number;
  truncatedBytes: number;
  problem?: string;
}

export interface RecoveredSession {
  participantId: string;
  sessionId: string;
  startedAtMs: number;
  endedAtMs: number;
  tracks: RecoveredTrack[];
  manifestLinesAdded: number;
}

export interface RecoveredRecording {
  recordingId: string;
  sessions: RecoveredSession[];
}

const MEDIA = /\.(webm|mkv)$/;

async function subdirs(p: string): Promise<string[]> {
  try {
    return (await readdir(p, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as unknown;
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // missing, or torn by the crash
  }
}

/** Written whole or not at all: a crash during recovery must not tear session.json. */
async function writeJsonAtomically(file: string, value: unknown) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2));
  await rename(tmp, file);
}

/** When the session stopped writing: the newest track file's mtime (read before repairs touch it). */
async function lastWriteMs(dir: string, names: string[]): Promise<number> {
  const pick = names.filter((n) => MEDIA.test(n));
  const candidates = pick.length ? pick : names.filter((n) => n.endsWith(".timing.jsonl"));
  const times = await Promise.all((candidates.length ? candidates : ["."]).map(async (n) => (await stat(path.join(dir, n))).mtimeMs));
  return Math.round(Math.max(...times));
}

/** A session whose session.json was never written: its start is when its first track file was created. */
async function startFromTiming(dir: string, names: string[]): Promise<number | undefined> {
  const starts: number[] = [];
  for (const n of names.filter((x) => x.endsWith(".timing.jsonl"))) {
    const first = (await readFile(path.join(dir, n), "utf8").catch(() => "")).split("\n")[0];
    try {
      const created = (JSON.parse(first) as { createdAtMs?: unknown }).createdAtMs;
      if (typeof created === "number") starts.push(created);
    } catch {
      // torn
    }
  }
  return starts.length ? Math.min(...starts) : undefined;
}

async function recoverSession(recordingDir: string, participantId: string, sessionId: string, meta: Record<string, unknown> | undefined) {
  const dir = path.join(recordingDir, participantId, sessionId);
  const names = (await readdir(dir)).filter((n) => !n.endsWith(".tmp")).sort();
  const endedAtMs = await lastWriteMs(dir, names);
  const tracks: RecoveredTrack[] = [];
  for (const name of names.filter((n) => MEDIA.test(n))) {
    const r = await repairMatroskaFile(path.join(dir, name));
    tracks.push({
      file: path.posix.join(participantId, sessionId, name),
      status: r.status,
      durationMs: r.durationMs,
      frames: r.blocks,
      truncatedBytes: r.truncatedBytes,
      ...(r.problem ? { problem: r.problem } : {}),
    });
  }
  const startedAtMs = typeof meta?.startedAtMs === "number" ? meta.startedAtMs : ((await startFromTiming(dir, names)) ?? endedAtMs);
  const ended = {
    sessionId,
    participantId,
    displayName: "",
    ...meta,
    startedAtMs,
    endedAtMs,
    endReason: RECOVERED_REASON,
  };
  // Manifest first: session.json's endedAtMs is what marks the session as done, so it goes last.
  const manifestLinesAdded = await completeManifest(recordingDir, { sessionId, endedAtMs, tracks });
  await writeJsonAtomically(path.join(dir, "session.json"), ended);
  return { participantId, sessionId, startedAtMs, endedAtMs, tracks, manifestLinesAdded };
}

export async function recoverUnfinishedSessions(
  directory: string,
  opts: { log?: (event: string, data: Record<string, unknown>) => void } = {},
): Promise<RecoveredRecording[]> {
  const recovered: RecoveredRecording[] = [];
  for (const recordingId of await subdirs(directory)) {
    const recordingDir = path.join(directory, recordingId);
    const sessions: RecoveredSession[] = [];
    for (const participantId of await subdirs(recordingDir)) {
      for (const sessionId of await subdirs(path.join(recordingDir, participantId))) {
        const meta = await readJson(path.join(recordingDir, participantId, sessionId, "session.json"));
        if (typeof meta?.endedAtMs === "number") continue;
        try {
          const session = await recoverSession(recordingDir, participantId, sessionId, meta);
          sessions.push(session);
          opts.log?.("session-recovered", { recordingId, ...session });
        } catch (err) {
          // One damaged folder must not stop the recorder from starting; it is retried on the next start.
          opts.log?.("session-recovery-failed", { recordingId, participantId, sessionId, error: String(err) });
        }
      }
    }
    if (sessions.length) recovered.push({ recordingId, sessions });
  }
  return recovered;
}
