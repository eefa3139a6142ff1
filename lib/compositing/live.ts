import type { TimeSpan } from "@/lib/compositing/timeline";

/**
 * Live compositing, the pure part: window lengths, which AAC frames a window keeps, and the HLS playlist.
 *
 * Each closed window of a running recording becomes one fMP4 segment (H.264 + AAC). Video windows join cleanly
 * (each starts with a keyframe). Audio is the hard part: an AAC encoder run per window adds priming samples at its
 * start and zero padding at its end, and AAC frames overlap their neighbours (MDCT over 2 × 1024 samples), so cut
 * and joined naively every join has a gap and a dip. Instead each window's encoder is fed PREROLL frames of the
 * previous window's audio before it and LOOKAHEAD frames of the next after it, and only the frames that cover the
 * window itself are kept: the frames on both sides of a join then come from encoders that saw the same signal
 * around it, and the decoder's overlap-add cancels as it does inside one encode. That needs windows that are a
 * whole number of AAC frames and of video frames: the window length is a multiple of their common period
 * (320 ms at 25 fps and 48 kHz).
 */

export const AUDIO_RATE = 48_000;
export const AAC_FRAME = 1024;
/** Frames of the previous window's audio fed before a window (≥ 1 for the overlap, 1 more for the encoder's state). */
export const PREROLL_FRAMES = 2;
/** Frames of the next window's audio fed after a window, so the last kept frame saw real audio, not padding. */
export const LOOKAHEAD_FRAMES = 2;
export const LOOKAHEAD_MS = (LOOKAHEAD_FRAMES * AAC_FRAME * 1000) / AUDIO_RATE;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Samples per video frame must be whole (25, 30, 50, 60 fps at 48 kHz are). */
export function windowUnitSamples(fps: number): number {
  const videoFrame = AUDIO_RATE / fps;
  if (!Number.isInteger(videoFrame)) throw new RangeError(`${fps} fps does not divide ${AUDIO_RATE} Hz into whole samples`);
  return (videoFrame * AAC_FRAME) / gcd(videoFrame, AAC_FRAME);
}

/** The longest window not above `requestedMs` that is a whole number of video and AAC frames (at least one unit). */
export function liveWindowMs(requestedMs: number, fps: number): number {
  const unit = windowUnitSamples(fps);
  const units = Math.max(1, Math.floor((requestedMs * AUDIO_RATE) / 1000 / unit));
  return (units * unit * 1000) / AUDIO_RATE;
}

/** The shortest window rendered while running: shorter ones would spend more on starting ffmpeg than on video. */
export const MIN_WINDOW_MS = 1900;

/**
 * The next window to render, from `renderedMs` (the end of what is stored) given the captured output time so far;
 * null while too little is closed. While running, a window is everything closed since, in whole units (see
 * windowUnitSamples) and at most `windowMs`: a renderer that keeps up renders short windows often, so little is
 * left at Stop; one that fell behind catches up with full ones. After Stop (`final`) the rest is one last window.
 */
export function closedWindow(renderedMs: number, windowMs: number, capturedMs: number, final: boolean, fps = 25): TimeSpan | null {
  const fromMs = renderedMs;
  if (fromMs >= capturedMs - 0.5) return null;
  // The last window is whole video frames: a sliver shorter than one frame would give ffmpeg no frame to encode.
  if (final) {
    const frameMs = 1000 / fps;
    return { fromMs, toMs: fromMs + Math.max(1, Math.ceil((capturedMs - fromMs) / frameMs - 1e-6)) * frameMs };
  }
  const unitMs = (windowUnitSamples(fps) * 1000) / AUDIO_RATE;
  const units = Math.floor((Math.min(windowMs, capturedMs - LOOKAHEAD_MS - fromMs) + 1e-6) / unitMs);
  const lengthMs = units * unitMs;
  return lengthMs >= Math.min(MIN_WINDOW_MS, windowMs) ? { fromMs, toMs: fromMs + lengthMs } : null;
}

export const PREROLL_MS = (PREROLL_FRAMES * AAC_FRAME * 1000) / AUDIO_RATE;

/**
 * Faster x264 presets whose parameter sets (SPS and PPS) are byte-identical to the configured one's at our settings
 * (checked with Debian's ffmpeg 5.1 / x264: veryfast and superfast differ in analysis effort only, no header
 * field), so a window encoded with either plays after the same init segment. A renderer that fell behind encodes
 * with the faster one until it has caught up: about 0.64x the CPU per window for about 1.7x the bytes.
 * The renderer still compares each catch-up window's video decoder configuration and stops if one ever differs.
 */
export const CATCH_UP_PRESETS: Readonly<Record<string, string>> = { veryfast: "superfast" };

/**
 * The preset for a window: the faster one while another window is already closed behind it (at least the shortest
 * one rendered while running). A renderer that keeps up starts each window as soon as it closes, with nothing
 * behind it; one that fell behind switches at once, before its lag grows past the live latency bound.
 */
export function windowPreset(preset: string, backlogMs: number): string {
  return backlogMs >= MIN_WINDOW_MS ? (CATCH_UP_PRESETS[preset] ?? preset) : preset;
}

/**
 * Whether nobody is present in a window, nor in the audio it borrows on either side: its segment is then a blank
 * canvas and silence, the same bytes for every such window of that length (a recording left running in an empty
 * call renders once, not forever).
 */
export function isBlankWindow(presence: readonly TimeSpan[], w: TimeSpan): boolean {
  return presence.every((p) => p.toMs <= w.fromMs - PREROLL_MS || p.fromMs >= w.toMs + LOOKAHEAD_MS);
}

/** Which encoded frames (ADTS order, frame 0 = the encoder's priming) cover a window of `windowMs`. */
export function keptAacFrames(windowMs: number): { first: number; count: number } {
  const samples = Math.round((windowMs * AUDIO_RATE) / 1000);
  // Frame j of an encode carries input samples from (j - 1) × 1024 on; the input starts PREROLL frames early.
  return { first: 1 + PREROLL_FRAMES, count: Math.ceil(samples / AAC_FRAME) };
}

export const pcmBytes = (samples: number, channels = 2) => samples * channels * 2;
export const samplesOfMs = (ms: number) => Math.round((ms * AUDIO_RATE) / 1000);

export interface LiveSegment {
  /** Window index. */
  index: number;
  durationMs: number;
}

export interface PlaylistOptions {
  segments: LiveSegment[];
  windowMs: number;
  /** Stopped: the playlist is closed (`#EXT-X-ENDLIST`); a VOD playlist also says so in its type. */
  ended: boolean;
  vod?: boolean;
  initUri: string;
  segmentUri: (index: number) => string;
}

/** An HLS media playlist over fMP4 segments (RFC 8216 version 7: EXT-X-MAP). */
export function mediaPlaylist(o: PlaylistOptions): string {
  const longest = Math.max(o.windowMs, ...o.segments.map((s) => s.durationMs));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${Math.ceil(longest / 1000)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${o.vod ? "VOD" : "EVENT"}`,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    `#EXT-X-MAP:URI="${o.initUri}"`,
  ];
  for (const s of o.segments) lines.push(`#EXTINF:${(s.durationMs / 1000).toFixed(3)},`, o.segmentUri(s.index));
  if (o.ended) lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}

/** Storage keys of a recording's live output, under its prefix. */
export const liveKeys = {
  init: "live/init.mp4",
  segment: (index: number) => `live/seg-${String(index).padStart(5, "0")}.m4s`,
  index: "live/index.json",
  /** The recorder's manifest as of the last stored window: a movie made on another node still gets its chapters. */
  manifest: "live/manifest.jsonl",
};

/** ffmpeg: interleaved s16le PCM (preroll + window + lookahead) → raw ADTS AAC. */
export function liveAudioEncodeArgs(pcmFile: string, adtsFile: string, bitrate: string): string[] {
  return [
    "-hide_banner",
    "-y",
    "-f",
    "s16le",
    "-ar",
    String(AUDIO_RATE),
    "-ac",
    "2",
    "-i",
    pcmFile,
    "-c:a",
    "aac",
    "-b:a",
    bitrate,
    "-f",
    "adts",
    adtsFile,
  ];
}

/** ffmpeg: one window's video (MPEG-TS) + its kept AAC frames (ADTS) → fragmented MP4 starting at 0. */
export function liveSegmentMuxArgs(videoFile: string, adtsFile: string, outFile: string): string[] {
  return [
    "-hide_banner",
    "-y",
    "-i",
    videoFile,
    "-i",
    adtsFile,
    "-map",
    "0:v:0",
    "-map",
    "1:a:0",
    "-c",
    "copy",
    "-bsf:a",
    "aac_adtstoasc",
    "-f",
    "mp4",
    "-movflags",
    // delay_moov: the moov waits for the first packets, so the AudioSpecificConfig that aac_adtstoasc derives from
    // them is in it (without, the esds has none and players refuse the audio codec).
    "+frag_keyframe+empty_moov+default_base_moof+delay_moov",
    outFile,
  ];
}

/** ffmpeg: the init segment followed by every media segment (one fragmented MP4) → a +faststart MP4, no re-encode. */
export function assembleMovieArgs(fragmentedFile: string, outFile: string): string[] {
  return ["-hide_banner", "-y", "-i", fragmentedFile, "-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", outFile];
}
