import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Builds recording folders the way the recorder lays them out: per-session track files + manifest.jsonl. */

export const T0 = 1_700_000_000_000;

export function ffmpegSync(args: string[]) {
  execFileSync("ffmpeg", ["-v", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** VP8 WebM (or H.264 Matroska for a .mkv file, as the recorder writes H.264) from a lavfi video source (e.g. `color=c=red:s=320x240:r=20`). */
export function makeVideo(file: string, lavfi: string, seconds: number, extra: string[] = []) {
  mkdirSync(path.dirname(file), { recursive: true });
  const codec = file.endsWith(".mkv")
    ? ["-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-f", "matroska"]
    : ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-f", "webm"];
  ffmpegSync(["-f", "lavfi", "-i", lavfi, "-t", String(seconds), "-g", "20", ...codec, ...extra, file]);
}

/** Opus WebM from a lavfi audio source description (e.g. `sine=f=440:r=48000`). */
export function makeAudio(file: string, lavfi: string, seconds: number, filter?: string) {
  mkdirSync(path.dirname(file), { recursive: true });
  // -t limits the source (an input option), so a filter that moves timestamps later does not cut the end off.
  ffmpegSync(["-f", "lavfi", "-t", String(seconds), "-i", lavfi, ...(filter ? ["-af", filter] : []), "-c:a", "libopus",
    "-b:a", "64k", "-f", "webm", file]);
}

export class ManifestWriter {
  readonly lines: Record<string, unknown>[] = [];
  private n = 0;

  session(sessionId: string, participantId: string, displayName: string, source: "camera" | "screen" | "external", atMs: number) {
    this.lines.push({ type: "session-start", atMs: T0 + atMs, sessionId, participantId, displayName, source });
  }

  track(
    sessionId: string, kind: "audio" | "video", atMs: number, durationMs: number,
    opts: { ntpMs?: number; width?: number; height?: number; h264?: boolean } = {},
  ) {
    const trackId = `${sessionId}/track${this.n++}-${kind}`;
    const file = `${trackId}.${opts.h264 ? "mkv" : "webm"}`;
    const codec = kind === "audio" ? "opus" : opts.h264 ? "h264" : "vp8";
    this.lines.push({ type: "track-start", atMs: T0 + atMs, sessionId, trackId, kind, codec, file, mediaZeroMs: T0 + atMs });
    if (opts.ntpMs !== undefined) this.lines.push({ type: "track-sync", atMs: T0 + atMs + 500, sessionId, trackId, mediaZeroNtpMs: opts.ntpMs });
    if (opts.width) this.lines.push({ type: "video-size", atMs: T0 + atMs, sessionId, trackId, mediaMs: 0, width: opts.width, height: opts.height });
    this.lines.push({ type: "track-end", atMs: T0 + atMs + durationMs, sessionId, trackId, durationMs, frames: 0 });
    return { trackId, file };
  }

  levels(sessionId: string, trackId: string, fromMs: number, toMs: number, dBov: number) {
    for (let t = fromMs; t < toMs; t += 250) {
      this.lines.push({ type: "audio-level", atMs: T0 + t + 250, sessionId, trackId, fromMs: T0 + t, toMs: T0 + t + 250, dBov, voice: 1 });
    }
  }

  end(sessionId: string, atMs: number) {
    this.lines.push({ type: "session-end", atMs: T0 + atMs, sessionId, reason: "deleted" });
  }

  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
  }

  write(dir: string): string {
    const text = this.text();
    writeFileSync(path.join(dir, "manifest.jsonl"), text);
    return text;
  }
}

/** One output frame as RGB24. */
export function frameAt(file: string, seconds: number, width: number, height: number): Buffer {
  const out = execFileSync("ffmpeg", ["-v", "error", "-ss", seconds.toFixed(3), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], {
    maxBuffer: 64 << 20,
  });
  if (out.length !== width * height * 3) throw new Error(`frame of ${out.length} bytes, expected ${width}x${height}`);
  return out;
}

/** Mean RGB of a rectangle (inset by `inset` pixels) of an RGB24 frame. */
export function meanColor(frame: Buffer, width: number, r: { x: number; y: number; w: number; h: number }, inset = 6): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = r.y + inset; y < r.y + r.h - inset; y += 2) {
    for (let x = r.x + inset; x < r.x + r.w - inset; x += 2) {
      const i = (y * width + x) * 3;
      sum[0] += frame[i];
      sum[1] += frame[i + 1];
      sum[2] += frame[i + 2];
      n++;
    }
  }
  return sum.map((s) => Math.round(s / n)) as [number, number, number];
}

export function hexColor(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.replace(/^0x|^#/, ""), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function colorDistance(a: number[], b: number[]) {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}
