import { execFile } from "node:child_process";
import { open } from "node:fs/promises";
import type { FailureKind } from "@/lib/errors/catalog";

/** ffprobe's view of a media file, plus the MP4 top-level box order read directly from the file. */

export interface ProbedStream {
  index: number;
  type: "video" | "audio" | string;
  codec: string;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  startMs?: number;
  durationMs?: number;
  frames?: number;
}

export interface ProbeResult {
  formatName: string;
  durationMs?: number;
  startMs?: number;
  streams: ProbedStream[];
}

export class FfprobeError extends Error {
  readonly kind: FailureKind;
  constructor(
    readonly code: "ffprobe-not-found" | "ffprobe-failed",
    message: string,
  ) {
    super(message);
    this.name = "FfprobeError";
    this.kind = code === "ffprobe-not-found" ? "compositing.tool-missing" : "compositing.tool-failed";
  }
}

const ms = (v: unknown) => (v === undefined || v === "N/A" || Number.isNaN(Number(v)) ? undefined : Number(v) * 1000);

export function ffprobe(file: string, opts: { binary?: string; countFrames?: boolean; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const binary = opts.binary ?? "ffprobe";
  const args = ["-v", "error", "-show_format", "-show_streams", ...(opts.countFrames ? ["-count_frames"] : []), "-of", "json", file];
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code === "ENOENT" ? "ffprobe-not-found" : "ffprobe-failed";
        return reject(new FfprobeError(code, `${code}: ${String(stderr).trim().split("\n").at(-1) ?? err.message}`));
      }
      const json = JSON.parse(stdout) as { format?: Record<string, unknown>; streams?: Record<string, unknown>[] };
      resolve({
        formatName: String(json.format?.format_name ?? ""),
        durationMs: ms(json.format?.duration),
        startMs: ms(json.format?.start_time),
        streams: (json.streams ?? []).map((s) => ({
          index: Number(s.index),
          type: String(s.codec_type),
          codec: String(s.codec_name),
          ...(s.width ? { width: Number(s.width), height: Number(s.height) } : {}),
          ...(s.sample_rate ? { sampleRate: Number(s.sample_rate), channels: Number(s.channels) } : {}),
          startMs: ms(s.start_time),
          durationMs: ms(s.duration),
          ...((s.nb_read_frames ?? s.nb_frames) ? { frames: Number(s.nb_read_frames ?? s.nb_frames) } : {}),
        })),
      });
    });
  });
}

export interface Mp4Box {
  type: string;
  offset: number;
  size: number;
}

/** The top-level boxes of an ISO-BMFF file, reading only their headers. */
export async function mp4TopLevelBoxes(file: string): Promise<Mp4Box[]> {
  const fh = await open(file, "r");
  try {
    const { size: fileSize } = await fh.stat();
    const boxes: Mp4Box[] = [];
    const head = Buffer.alloc(16);
    for (let offset = 0; offset + 8 <= fileSize; ) {
      await fh.read(head, 0, 16, offset);
      let size = head.readUInt32BE(0);
      const type = head.toString("latin1", 4, 8);
      if (size === 1) size = Number(head.readBigUInt64BE(8));
      else if (size === 0) size = fileSize - offset; // box runs to the end of the file
      if (size < 8) throw new Error(`bad MP4 box size ${size} at ${offset}`);
      boxes.push({ type, offset, size });
      offset += size;
    }
    return boxes;
  } finally {
    await fh.close();
  }
}

/** True when `moov` comes before `mdat`: a browser can start playing before the whole file has arrived. */
export async function isFastStart(file: string): Promise<boolean> {
  const types = (await mp4TopLevelBoxes(file)).map((b) => b.type);
  const moov = types.indexOf("moov");
  const mdat = types.indexOf("mdat");
  return moov >= 0 && mdat >= 0 && moov < mdat;
}
