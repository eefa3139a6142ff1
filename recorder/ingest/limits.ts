import { statfs } from "node:fs/promises";
import { readManifest } from "@/recorder/ingest/manifest";

export const DEFAULT_MAX_RECORDING_MS = 4 * 60 * 60 * 1000;
export const DEFAULT_MAX_TRACKS_PER_RECORDING = 64;
/** A camera, a screen or an external source sends at most one audio and one video track. */
export const MAX_TRACKS_PER_SESSION = 2;
export const DEFAULT_MIN_FREE_BYTES = 1024 ** 3;

export interface FreeSpace {
  ok: boolean;
  /** Bytes available to this (unprivileged) process on the directory's file system. */
  freeBytes: number;
}

/** Whether the file system holding `directory` has at least `minFreeBytes` available. */
export async function checkFreeSpace(directory: string, minFreeBytes: number = DEFAULT_MIN_FREE_BYTES): Promise<FreeSpace> {
  const s = await statfs(directory);
  const freeBytes = Number(s.bavail) * Number(s.bsize);
  return { ok: freeBytes >= minFreeBytes, freeBytes };
}

interface RecordingUsage {
  firstStartedAtMs: number;
  tracks: number;
}

/**
 * Per-recording accounting for the duration and track limits. A recording seen for the first
 * time in this process takes its start from its manifest, so a restarted recorder keeps counting
 * from where the recording really began. Tracks count while their session runs (a session that ends
 * gives its tracks back); after a restart, only sessions the manifest shows still running count.
 */
export class RecordingUsageBook {
  private readonly usage = new Map<string, RecordingUsage>();

  constructor(private readonly directory: string) {}

  get(recordingId: string, nowMs: number): RecordingUsage {
    let u = this.usage.get(recordingId);
    if (!u) {
      const events = readManifest(this.directory, recordingId);
      const first = events.find((e) => e.type === "session-start");
      const ended = new Set(events.flatMap((e) => (e.type === "session-end" ? [e.sessionId] : [])));
      const tracks = events.reduce((n, e) => n + (e.type === "session-start" && !ended.has(e.sessionId) ? (e.offeredTracks ?? 0) : 0), 0);
      u = { firstStartedAtMs: first ? first.atMs : nowMs, tracks };
      this.usage.set(recordingId, u);
    }
    return u;
  }

  recordings(): string[] {
    return [...this.usage.keys()];
  }
}

/** Audio and video m-lines of an offer: the tracks a session will add to its recording. */
export function offeredTrackCount(offerSdp: string): number {
  return [...offerSdp.matchAll(/^m=(audio|video) /gm)].length;
}
