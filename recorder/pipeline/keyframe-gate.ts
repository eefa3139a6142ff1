export interface GatedFrame {
  isKeyframe: boolean;
}

/**
 * Video frames that reference a missing frame decode as garbage, so after a start or a loss
 * we drop frames until a keyframe arrives and keep asking for one (werift sends no PLI by itself).
 */
export class KeyframeGate {
  private open = false;
  private lastRequestAt = -Infinity;
  readonly stats = { dropped: 0, requests: 0 };

  constructor(
    private readonly requestKeyframe: () => void,
    private readonly retryMs = 1000,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Whether to keep this frame. */
  admit(frame: GatedFrame, nowMs: number): boolean {
    if (frame.isKeyframe) this.open = true;
    if (this.open) return true;
    this.stats.dropped++;
    this.ask(nowMs);
    return false;
  }

  /** A packet was lost for good: the next frames may be undecodable. */
  onLoss(nowMs: number): void {
    this.open = false;
    this.ask(nowMs);
  }

  /** The track started: ask at once rather than waiting for the sender's periodic keyframe. */
  onStart(nowMs: number): void {
    this.ask(nowMs);
  }

  private ask(nowMs: number) {
    if (nowMs - this.lastRequestAt < this.retryMs) return;
    this.lastRequestAt = nowMs;
    this.stats.requests++;
    this.requestKeyframe();
  }
}
