import type { RtpLike } from "@/recorder/pipeline/types";

export const AUDIO_LEVEL_URI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/** RFC 6464 silence: the level field is -dBov, 127 means -127 dBov or quieter. */
export const SILENT_LEVEL = 127;

export interface AudioLevel {
  /** -dBov, 0 (loudest) ..127 (silence). */
  level: number;
  /** The sender's voice activity flag. */
  voice: boolean;
}

/** Reads the one-byte RFC 6464 extension (V flag + 7-bit level) from a packet, by its negotiated id. */
export function readAudioLevel(packet: RtpLike, extensionId: number | undefined): AudioLevel | undefined {
  if (extensionId === undefined) return undefined;
  const ext = packet.header.extensions?.find((e) => e.id === extensionId);
  if (!ext || ext.payload.length < 1) return undefined;
  const b = ext.payload[0];
  return { level: b & 0x7f, voice: (b & 0x80) !== 0 };
}

export interface AudioLevelWindow {
  fromMs: number;
  toMs: number;
  /** Power mean of the window's levels in dBov (-127..0); a mean of dB values would understate short speech. */
  dBov: number;
  /** Fraction of packets with the V flag. */
  voice: number;
}

export interface AudioLevelMeterOptions {
  windowMs?: number;
  /** Silence (level 127) for longer than this counts as muted. */
  muteAfterMs?: number;
  onWindow: (w: AudioLevelWindow) => void;
  onMute: (muted: boolean, mediaMs: number) => void;
}

/**
 * Folds per-packet audio levels into fixed windows of media time and tracks silence-based mute:
 * Chromium keeps sending packets for a disabled microphone, each with level 127.
 */
export class AudioLevelMeter {
  private windowStart?: number;
  private powerSum = 0;
  private voiced = 0;
  private count = 0;
  private silentSince?: number;
  private muted = false;
  private readonly windowMs: number;
  private readonly muteAfterMs: number;

  constructor(private readonly opts: AudioLevelMeterOptions) {
    this.windowMs = opts.windowMs ?? 250;
    this.muteAfterMs = opts.muteAfterMs ?? 1000;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  push(level: AudioLevel, mediaMs: number): void {
    if (this.windowStart === undefined) this.windowStart = Math.floor(mediaMs / this.windowMs) * this.windowMs;
    while (mediaMs >= this.windowStart + this.windowMs) {
      this.flushWindow();
      this.windowStart += this.windowMs;
    }
    this.powerSum += level.level >= SILENT_LEVEL ? 0 : 10 ** (-level.level / 10);
    this.voiced += level.voice ? 1 : 0;
    this.count++;
    if (level.level >= SILENT_LEVEL) {
      this.silentSince ??= mediaMs;
      if (!this.muted && mediaMs - this.silentSince > this.muteAfterMs) this.setMuted(true, this.silentSince);
    } else {
      this.silentSince = undefined;
      if (this.muted) this.setMuted(false, mediaMs);
    }
  }

  /** Audio stopped arriving altogether (wall-clock watchdog): also muted. */
  setMuted(muted: boolean, mediaMs: number): void {
    if (muted === this.muted) return;
    this.muted = muted;
    this.opts.onMute(muted, mediaMs);
  }

  /** Emits the partial last window (end of track). */
  finish(): void {
    this.flushWindow();
  }

  private flushWindow() {
    if (this.count > 0 && this.windowStart !== undefined) {
      const mean = this.powerSum / this.count;
      const dBov = mean > 0 ? Math.max(-127, Math.round(10 * Math.log10(mean) * 10) / 10) : -127;
      this.opts.onWindow({
        fromMs: this.windowStart,
        toMs: this.windowStart + this.windowMs,
        dBov,
        voice: Math.round((this.voiced / this.count) * 100) / 100,
      });
    }
    this.powerSum = 0;
    this.voiced = 0;
    this.count = 0;
  }
}
