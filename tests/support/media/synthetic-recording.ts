import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import {
  type ConsentDecision,
  manifestTrackId,
  type ManifestLine,
  type MediaKind,
  type RecordedCodec,
  type SessionSource,
} from "@/lib/recording-manifest/schema";
import { formatManifestLine, ManifestWriter, trackManifestLine, type ManifestLineInput } from "@/recorder/ingest/manifest";
import { recordingRelativeFile, sessionDirectory } from "@/recorder/ingest/recording-layout";
import { RawTrackWriter } from "@/recorder/pipeline/raw-track-writer";
import { rawTrackFiles } from "@/recorder/pipeline/track-files";
import { PARTICIPANT_MEDIA, type SentMedia } from "@/tests/support/media/movie-content";

/**
 * Recordings as the recorder lays them out: manifest lines made and checked by the recorder's own manifest code,
 * track files at the paths its track writer picks (`<participantId>/<sessionId>/track<N>-<kind>.webm`).
 * Times given to the methods are ms from T0; media content is made by ffmpeg (makeVideo/makeAudio) or, for
 * `trackWriter`, by feeding RTP to the recorder's real RawTrackWriter.
 */

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
  ffmpegSync([
    "-f",
    "lavfi",
    "-t",
    String(seconds),
    "-i",
    lavfi,
    ...(filter ? ["-af", filter] : []),
    "-c:a",
    "libopus",
    "-b:a",
    "64k",
    "-f",
    "webm",
    file,
  ]);
}

export interface SyntheticTrack {
  trackId: string;
  /** Relative to the recording's folder, as the manifest names it. */
  file: string;
}

interface SessionState {
  participantId: string;
  tracks: number;
}

/** The recording folder `<root>/<recordingId>` split the way the recorder's layout functions take it. */
const splitRecordingDir = (recordingDir: string) => ({ root: path.dirname(recordingDir), recordingId: path.basename(recordingDir) });

export class SyntheticRecording {
  /** Every line so far, validated by the recorder's writer (atMs included). */
  readonly lines: ManifestLine[] = [];
  private readonly sessions = new Map<string, SessionState>();
  private readonly trackZero = new Map<string, number>();

  /** Appends one line as the recorder's writer would (throws on a line the contract refuses). */
  append(line: ManifestLineInput): void {
    const formatted = formatManifestLine(line);
    if ("error" in formatted) throw formatted.error;
    this.lines.push(JSON.parse(formatted.text) as ManifestLine);
  }

  session(sessionId: string, participantId: string, displayName: string, source: SessionSource, atMs: number, offeredTracks = 2) {
    this.sessions.set(sessionId, { participantId, tracks: 0 });
    this.append({ type: "session-start", atMs: T0 + atMs, sessionId, participantId, displayName, source, offeredTracks });
  }

  /** The session's folder inside `recordingDir`, as the recorder names it. */
  sessionFolder(recordingDir: string, sessionId: string): string {
    const { root, recordingId } = splitRecordingDir(recordingDir);
    return sessionDirectory(root, recordingId, this.sessionState(sessionId).participantId, sessionId);
  }

  /** A finished track: track-start, a track-sync when the sender clock is given, its size, track-end. */
  track(
    sessionId: string,
    kind: MediaKind,
    atMs: number,
    durationMs: number,
    opts: { ntpMs?: number; width?: number; height?: number; h264?: boolean; frames?: number } = {},
  ): SyntheticTrack {
    const { info, trackId, file } = this.nextTrack(sessionId, kind, opts.h264 ? "h264" : kind === "audio" ? "opus" : "vp8");
    const zero = T0 + atMs;
    this.trackZero.set(trackId, zero);
    this.append(trackManifestLine(sessionId, info, file, { type: "track-start", mediaZeroMs: zero }));
    if (opts.ntpMs !== undefined) {
      // A sender whose reports arrive without delay: file time 0 lies where its first packet arrived.
      const sync = trackManifestLine(sessionId, info, file, {
        type: "track-sync",
        mediaZeroNtpMs: opts.ntpMs,
        transitMs: zero - opts.ntpMs,
        alignedZeroMs: zero,
      });
      this.append({ ...sync, atMs: zero + 500 });
    }
    if (opts.width && opts.height) {
      this.append({
        ...trackManifestLine(sessionId, info, file, { type: "video-size", mediaMs: 0, width: opts.width, height: opts.height }),
        atMs: zero,
      });
    }
    // As the recorder counts them (frames written): 0 means recorded empty, which lets the compositor leave the file out.
    const frames = opts.frames ?? Math.max(1, Math.round(durationMs / (kind === "audio" ? 20 : 40)));
    this.append({ ...trackManifestLine(sessionId, info, file, { type: "track-end", durationMs, frames }), atMs: zero + durationMs });
    return { trackId, file };
  }

  /**
   * A track written by the recorder's own RawTrackWriter into `recordingDir`, its first packet at `atMs`: feed it RTP
   * and close it; its events (track-start, video-size, track-end, …) become manifest lines as in the recorder.
   */
  trackWriter(
    recordingDir: string,
    sessionId: string,
    kind: MediaKind,
    codec: RecordedCodec,
    atMs: number,
    ssrc = 1,
  ): { writer: RawTrackWriter } & SyntheticTrack {
    const { info, trackId, file } = this.nextTrack(sessionId, kind, codec);
    const writer = new RawTrackWriter(
      { ...info, ssrc, clockRate: kind === "audio" ? 48_000 : 90_000, requestKeyframe: () => {} },
      {
        directory: this.sessionFolder(recordingDir, sessionId),
        now: () => T0 + atMs,
        onEvent: (e) => {
          const line = trackManifestLine(sessionId, info, file, e);
          if (e.type === "track-start") this.trackZero.set(trackId, e.mediaZeroMs);
          this.append(e.type === "track-start" ? line : { ...line, atMs: T0 + atMs + ("durationMs" in e ? Math.round(e.durationMs) : 0) });
        },
      },
    );
    return { writer, trackId, file };
  }

  /** Audio levels over [fromMs, toMs) from T0, in 250 ms windows (written in the track's media time, as the recorder does). */
  levels(sessionId: string, trackId: string, fromMs: number, toMs: number, dBov: number) {
    const zero = this.trackZeroMs(trackId);
    for (let t = fromMs; t < toMs; t += 250) {
      this.append({
        type: "audio-level",
        atMs: T0 + t + 250,
        sessionId,
        trackId,
        fromMs: T0 + t - zero,
        toMs: T0 + t + 250 - zero,
        dBov,
        voice: 1,
      });
    }
  }

  /** A mute or unmute the recorder noticed at `atMs` from T0. */
  mute(sessionId: string, trackId: string, kind: MediaKind, muted: boolean, atMs: number) {
    this.append({
      type: muted ? "mute" : "unmute",
      atMs: T0 + atMs,
      sessionId,
      trackId,
      kind,
      mediaMs: T0 + atMs - this.trackZeroMs(trackId),
    });
  }

  end(sessionId: string, atMs: number, reason = "deleted") {
    this.append({ type: "session-end", atMs: T0 + atMs, sessionId, reason });
  }

  /** A recording-consent decision the app recorded at `atMs` from T0 (a line without a session). */
  consent(participantId: string, displayName: string, decision: ConsentDecision, atMs: number, consentText = "This call is recorded.") {
    const textSha256 = createHash("sha256").update(consentText).digest("hex");
    this.append({ type: "consent", atMs: T0 + atMs, participantId, displayName, decision, textSha256 });
  }

  text(): string {
    return this.lines.map((l) => `${JSON.stringify(l)}\n`).join("");
  }

  /** Writes the manifest with the recorder's own ManifestWriter into `recordingDir` (`<root>/<recordingId>`). */
  writeManifest(recordingDir: string): string {
    const { root, recordingId } = splitRecordingDir(recordingDir);
    const writer = new ManifestWriter(root, recordingId, (err) => {
      throw err;
    });
    for (const line of this.lines) writer.append(line);
    return writer.path;
  }

  private sessionState(sessionId: string): SessionState {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`no session-start for ${sessionId}`);
    return s;
  }

  private trackZeroMs(trackId: string): number {
    const zero = this.trackZero.get(trackId);
    if (zero === undefined) throw new Error(`no track-start for ${trackId}`);
    return zero;
  }

  private nextTrack(sessionId: string, kind: MediaKind, codec: RecordedCodec) {
    const s = this.sessionState(sessionId);
    const info = { trackIndex: s.tracks++, kind, codec };
    // Any root: the manifest names files relative to the recording's folder.
    const sessionDir = sessionDirectory("/recordings", "rec", s.participantId, sessionId);
    const file = recordingRelativeFile("/recordings", "rec", rawTrackFiles(sessionDir, info).media);
    const trackId = manifestTrackId(sessionId, info.trackIndex, kind);
    return { info, trackId, file };
  }
}
/** What writeTwoPersonRecording's participants send, for expectMovieContent. */
export const TWO_PERSON_MEDIA: SentMedia[] = ["ann", "ben"].map((label, i) => ({ label, ...PARTICIPANT_MEDIA[i]! }));

/**
 * Two camera participants, `agent:ann` and `agent:ben` (sessions "ann", "ben"): a solid colour and a tone each
 * (TWO_PERSON_MEDIA), `seconds` long from T0 + `atMs`, with their files and the manifest in `recordingDir` where the recorder puts them.
 */
export function writeTwoPersonRecording(recordingDir: string, seconds: number, atMs = 0): SyntheticRecording {
  const m = new SyntheticRecording();
  for (const sent of TWO_PERSON_MEDIA) writeCameraPerson(m, recordingDir, sent, seconds, atMs);
  m.writeManifest(recordingDir);
  return m;
}

/**
 * One camera participant `agent:<label>` (session `<label>`, shown as the label in capitals) sending `sent`'s colour
 * and tone for `seconds` from T0 + `atMs`: their lines in `m`, their files in `recordingDir`. The caller writes the manifest.
 */
export function writeCameraPerson(m: SyntheticRecording, recordingDir: string, sent: SentMedia, seconds: number, atMs = 0) {
  const { label: who, rgb, toneHz } = sent;
  m.session(who, `agent:${who}`, who.toUpperCase(), "camera", atMs);
  const v = m.track(who, "video", atMs, seconds * 1000, { width: 320, height: 240 });
  const a = m.track(who, "audio", atMs, seconds * 1000);
  const hex = rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  makeVideo(path.join(recordingDir, v.file), `color=c=0x${hex}:s=320x240:r=25`, seconds);
  makeAudio(path.join(recordingDir, a.file), `sine=f=${toneHz}:r=48000`, seconds);
  m.end(who, atMs + seconds * 1000);
}

/** One output frame as RGB24. */
export function frameAt(file: string, seconds: number, width: number, height: number): Buffer {
  const out = execFileSync(
    "ffmpeg",
    ["-v", "error", "-ss", seconds.toFixed(3), "-i", file, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    {
      maxBuffer: 64 << 20,
    },
  );
  if (out.length !== width * height * 3) throw new Error(`frame of ${out.length} bytes, expected ${width}x${height}`);
  return out;
}

/** Mean RGB of a rectangle (inset by `inset` pixels) of an RGB24 frame. */
export function meanColor(
  frame: Buffer,
  width: number,
  r: { x: number; y: number; w: number; h: number },
  inset = 6,
): [number, number, number] {
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
