// The faststart movie uploaded while recording: a faststart MP4 is `header ++ every window's mdat payload, in order`
// (faststart-mp4.ts), and only the header depends on the whole recording. So each stored window's sample bytes go
// up as parts 2, 3, … of a multipart upload of the movie as they are made, and at Stop only the rest (under one
// part), the header (part 1, padded to S3's minimum part) and the commit are left: seconds for any length, where
// uploading the finished movie grew with it (8.6 s for an hour).
import type { Logger } from "@/server/platform/logger";
import { MULTIPART_MIN_PART_BYTES, type MultipartUpload, type ObjectStorage } from "@/server/platform/storage/object-storage";
import { type RetryPolicy, withRetries } from "@/server/recordings/compose/upload-sink";
import { faststartHeader, mdatPayloadRanges, SampleTables } from "@/server/recordings/live/faststart-mp4";

export interface LiveMovieUploadOptions {
  storage: ObjectStorage;
  key: string;
  logger: Logger;
  /** Payload bytes gathered before a part goes up (every part but the last must be ≥ 5 MiB on S3). */
  partBytes?: number;
  /** Part 1, the header, is padded to this with a `free` box (it is not the last part, so ≥ 5 MiB on S3). */
  headerBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** Parts made but not uploaded yet, in bytes, beyond which the storage is too slow: the upload is abandoned. */
  maxQueuedBytes?: number;
}

export interface StreamedMovie {
  key: string;
  /** The whole object's size. */
  bytes: number;
  segments: number;
  /** What completing it at Stop took: the last payload part, the header part, the commit. */
  atStop: { bytes: number; lastPartMs: number; headerPartMs: number; completeMs: number };
}

const PART_BYTES = 8 * 1024 * 1024;
const RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 5000 };
// Objects streamed here carry no `source-size`: the upload sink's skip (same size and mtime as a local file it
// confirmed) must never take this object for a re-composite's movie, which then replaces it.
const PUT = { contentType: "video/mp4", metadata: { origin: "live-stream" } };

export class LiveMovieUpload {
  private init: Buffer | null = null;
  private tables: SampleTables | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queuedBytes = 0;
  private nextPart = 2;
  private upload: Promise<MultipartUpload> | null = null;
  /** Part uploads, one after another in the background (a window never waits on storage). */
  private chain: Promise<void> = Promise.resolve();
  state: "streaming" | "completing" | "completed" | "abandoned" = "streaming";
  /** Windows fed so far. */
  segments = 0;
  /** Payload bytes in storage (parts acknowledged). */
  uploadedBytes = 0;

  constructor(private readonly o: LiveMovieUploadOptions) {}

  get key(): string {
    return this.o.key;
  }

  private get retry(): RetryPolicy {
    return { ...RETRY, ...this.o.retry };
  }

  /** A stored window, as appended to the fragments file: the init segment with the first one, then its media. */
  add(init: Buffer | null, segment: Buffer): void {
    if (this.state !== "streaming") return;
    try {
      if (!this.tables) {
        if (!init?.length) throw new Error("the first window comes without the init segment");
        this.init = init;
        this.tables = new SampleTables(init);
      }
      this.tables.add(segment);
    } catch (err) {
      // The tables may hold part of that window: they are no movie's any more.
      this.abandon(err);
      return;
    }
    for (const r of mdatPayloadRanges(segment)) {
      this.pending.push(segment.subarray(r.start, r.end));
      this.pendingBytes += r.end - r.start;
    }
    this.segments++;
    if (this.pendingBytes >= (this.o.partBytes ?? PART_BYTES)) this.queuePart();
    if (this.queuedBytes > (this.o.maxQueuedBytes ?? 256 * 1024 * 1024))
      this.abandon(new Error(`storage is behind by ${this.queuedBytes} bytes of parts`));
  }

  private takePending(): Buffer {
    const body = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return body;
  }

  private queuePart(): void {
    const body = this.takePending();
    const partNumber = this.nextPart++;
    this.queuedBytes += body.length;
    this.chain = this.chain.then(async () => {
      if (this.state === "abandoned") return;
      try {
        await this.sendPart(partNumber, body);
      } catch (err) {
        this.abandon(err);
      } finally {
        this.queuedBytes -= body.length;
      }
    });
  }

  private async sendPart(partNumber: number, body: Buffer): Promise<void> {
    const upload = await this.retrying("start", () => {
      // A start that failed is tried again; one that worked is the upload every part goes to.
      this.upload ??= this.o.storage.startMultipart(this.o.key, PUT).catch((err: unknown) => {
        this.upload = null;
        throw err;
      });
      return this.upload;
    });
    await this.retrying(`part ${partNumber}`, () => upload.uploadPart(partNumber, body));
    this.uploadedBytes += body.length;
  }

  private retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetries(this.retry, this.o.logger.child({ key: this.o.key }), `streamed movie: ${what}`, fn);
  }

  /**
   * At Stop, after the last window: the rest of the payload, the header and the commit (a recording under one part:
   * one put of the whole movie, unpadded). Null when the streamed movie was abandoned or cannot be completed (then
   * the movie is written and uploaded as before).
   */
  async complete(): Promise<StreamedMovie | null> {
    if (this.state !== "streaming" || !this.tables || !this.init) {
      await this.abort();
      return null;
    }
    this.state = "completing";
    await this.chain;
    if (this.state !== "completing") return null;
    const tables = this.tables;
    const init = this.init;
    const at = { bytes: 0, lastPartMs: 0, headerPartMs: 0, completeMs: 0 };
    const timed = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    try {
      let bytes: number;
      if (!this.upload) {
        const movie = Buffer.concat([faststartHeader(init, tables), this.takePending()]);
        at.lastPartMs = await timed(() => this.retrying("put", () => this.o.storage.put(this.o.key, movie, PUT)));
        bytes = at.bytes = movie.length;
      } else {
        const upload = await this.upload;
        if (this.pendingBytes > 0) {
          const rest = this.takePending();
          at.bytes += rest.length;
          at.lastPartMs = await timed(() => this.sendPart(this.nextPart++, rest));
        }
        const header = faststartHeader(init, tables, { minBytes: this.o.headerBytes ?? MULTIPART_MIN_PART_BYTES });
        at.bytes += header.length;
        at.headerPartMs = await timed(() => this.retrying("header part", () => upload.uploadPart(1, header)));
        at.completeMs = await timed(() => this.retrying("complete", () => upload.complete()));
        bytes = header.length + tables.payloadBytes;
      }
      this.state = "completed";
      this.release();
      return { key: this.o.key, bytes, segments: this.segments, atStop: at };
    } catch (err) {
      this.abandon(err);
      await this.abort();
      return null;
    }
  }

  /** Drops the streamed movie (a recording whose movie is made otherwise, or released): its parts are discarded. */
  async abort(): Promise<void> {
    if (this.state === "completed") return;
    this.state = "abandoned";
    this.release();
    await this.chain;
    await this.discard();
  }

  private abandon(err: unknown): void {
    if (this.state === "abandoned") return;
    this.o.logger.warn({ err, key: this.o.key }, "streamed movie abandoned; the movie is uploaded at Stop instead");
    this.state = "abandoned";
    this.release();
    // After the part in flight: its upload may still create the multipart upload this discards.
    this.chain = this.chain.then(() => this.discard());
  }

  private async discard(): Promise<void> {
    const upload = this.upload;
    this.upload = null;
    if (!upload) return;
    await upload
      .then((u) => u.abort())
      .catch((err: unknown) =>
        this.o.logger.warn({ err, key: this.o.key }, "streamed movie not aborted; the store's rule for unfinished uploads removes it"),
      );
  }

  private release(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.tables = null;
    this.init = null;
  }
}
