// WHIP ingest figures, built only from the recorder's log callback plus the files it writes.
// The log events carry no byte counts (recorder/ingest/publisher-session.ts logs ids, kinds, codecs and
// states), so received bytes are measured as the growth of each open session's track files on disk:
// `<directory>/<recordingId>/<participantId>/<sessionId>/track<N>-<kind>.(webm|mkv)`.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

interface OpenSession {
  recordingId: string;
  /** Found on the first scan; the participant id is not in the log events. */
  dir?: string;
  /** Closed sessions get one last scan (their writers flush after the `close` event), then are dropped. */
  closed: boolean;
}

const TRACK_FILE = /^track\d+-(audio|video)\.(webm|mkv)$/;

export class IngestTracker {
  private readonly sessions = new Map<string, OpenSession>();
  private readonly fileSizes = new Map<string, number>();

  constructor(private readonly directory?: string) {}

  /** The recorder's `log(event, data)` callback. */
  observe(event: string, data: Record<string, unknown>): void {
    const sessionId = typeof data.sessionId === "string" ? data.sessionId : undefined;
    if (!sessionId) return;
    if (event === "negotiated") {
      this.sessions.set(sessionId, { recordingId: String(data.recordingId ?? ""), closed: false });
    } else if (event === "close") {
      const s = this.sessions.get(sessionId);
      if (s) s.closed = true;
    }
  }

  /** Sessions negotiated and not yet closed. */
  openCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.closed) n++;
    return n;
  }

  /** Bytes written since the previous call, per track kind. */
  async collectGrowth(): Promise<{ audio: number; video: number }> {
    const growth = { audio: 0, video: 0 };
    if (!this.directory) return growth;
    for (const [sessionId, s] of [...this.sessions]) {
      s.dir ??= await this.findSessionDir(s.recordingId, sessionId);
      if (s.dir) {
        const names = await readdir(s.dir).catch(() => [] as string[]);
        for (const name of names) {
          const m = TRACK_FILE.exec(name);
          if (!m) continue;
          const file = path.join(s.dir, name);
          const size = await stat(file).then(
            (st) => st.size,
            () => undefined,
          );
          if (size === undefined) continue;
          growth[m[1] as "audio" | "video"] += Math.max(0, size - (this.fileSizes.get(file) ?? 0));
          this.fileSizes.set(file, size);
        }
      }
      if (s.closed) this.forget(sessionId, s);
    }
    return growth;
  }

  private forget(sessionId: string, s: OpenSession) {
    this.sessions.delete(sessionId);
    if (!s.dir) return;
    for (const file of [...this.fileSizes.keys()]) if (path.dirname(file) === s.dir) this.fileSizes.delete(file);
  }

  private async findSessionDir(recordingId: string, sessionId: string): Promise<string | undefined> {
    if (!this.directory || !recordingId) return undefined;
    const recordingDir = path.join(this.directory, recordingId);
    const participants = await readdir(recordingDir, { withFileTypes: true }).catch(() => []);
    for (const p of participants) {
      if (!p.isDirectory()) continue;
      const dir = path.join(recordingDir, p.name, sessionId);
      if (
        await stat(dir).then(
          (st) => st.isDirectory(),
          () => false,
        )
      )
        return dir;
    }
    return undefined;
  }
}
