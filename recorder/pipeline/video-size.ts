import type { RecordedCodec } from "@/recorder/pipeline/types";

export interface VideoSize {
  width: number;
  height: number;
}

/** Frame size from a VP8 keyframe header (RFC 6386 §9.1). */
export function vp8KeyframeSize(frame: Buffer): VideoSize | undefined {
  if (frame.length < 10 || (frame[0] & 0x01) !== 0) return undefined;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

/** Exp-Golomb bit reader over an RBSP (emulation-prevention bytes already removed). */
class BitReader {
  private bit = 0;
  constructor(private readonly buf: Buffer) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.bit >> 3];
      if (byte === undefined) throw new RangeError("SPS truncated");
      v = v * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) if (++zeros > 31) throw new RangeError("bad exp-golomb");
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]);
  }
  return Buffer.from(out);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Width/height from an H.264 SPS NAL unit (ITU-T H.264 §7.3.2.1.1), cropping applied. */
export function h264SpsSize(nal: Buffer): VideoSize | undefined {
  try {
    const r = new BitReader(unescapeRbsp(nal.subarray(1)));
    const profile = r.u(8);
    r.u(16); // constraint flags + level
    r.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    if (HIGH_PROFILES.has(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat === 3) r.u(1);
      r.ue(); // bit depth luma
      r.ue(); // bit depth chroma
      r.u(1);
      if (r.u(1)) {
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
          if (!r.u(1)) continue;
          let last = 8;
          let next = 8;
          for (let j = 0; j < (i < 6 ? 16 : 64) && next !== 0; j++) {
            next = (last + r.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    r.ue(); // log2_max_frame_num
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.u(1);
      r.se();
      r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.u(1);
    const widthMbs = r.ue() + 1;
    const heightUnits = r.ue() + 1;
    const frameMbsOnly = r.u(1);
    if (!frameMbsOnly) r.u(1);
    r.u(1);
    let crop = [0, 0, 0, 0];
    if (r.u(1)) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
    const cropUnitX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
    const cropUnitY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - cropUnitX * (crop[0] + crop[1]);
    const height = heightUnits * 16 * (2 - frameMbsOnly) - cropUnitY * (crop[2] + crop[3]);
    return width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** NAL units of an Annex B access unit (werift's H.264 depacketizer writes start codes). */
export function annexBNalUnits(au: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1] - 3 : au.length;
    while (end > s && au[end - 1] === 0) end--; // the zero of a 4-byte start code
    return au.subarray(s, end);
  });
}

/** Size of a keyframe, or undefined when the codec's header does not say (or cannot be read). */
export function keyframeSize(codec: RecordedCodec, frame: Buffer): VideoSize | undefined {
  if (codec === "vp8") return vp8KeyframeSize(frame);
  if (codec === "h264") {
    const sps = annexBNalUnits(frame).find((n) => n.length > 0 && (n[0] & 0x1f) === 7);
    return sps ? h264SpsSize(sps) : undefined;
  }
  return undefined;
}
