import { appendFile } from "node:fs/promises";

/**
 * Append-only JSON-lines sidecar. Lines are batched and written at least every `flushMs`, so a
 * crash loses at most that much timing data while a busy track does not cost a write per packet.
 */
export class TimingLog {
  private lines: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  write(record: Record<string, unknown>): void {
    if (this.closed) return;
    this.lines.push(JSON.stringify(record, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
  }

  flush(): Promise<void> {
    if (this.lines.length === 0) return this.writing;
    const chunk = `${this.lines.join("\n")}\n`;
    this.lines = [];
    // Chained so that batches land in order even when a write is slow.
    this.writing = this.writing.then(() => appendFile(this.path, chunk)).catch(() => undefined);
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }
}
