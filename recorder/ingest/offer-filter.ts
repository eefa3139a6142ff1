import type { RecordedCodec } from "@/recorder/pipeline/types";

/**
 * werift answers with the remote's own codec entries (rtcp-fb and fmtp included), so the only way
 * to control what is negotiated is to trim the offer before werift sees it: one payload type per
 * codec we record, only nack / nack pli / ccm fir feedback (no transport-cc: with werift's TWCC
 * Chromium's bitrate collapsed), and no transport-wide-cc header extension. Each kept video codec's
 * RTX payload type (RFC 4588, `apt=`) is kept too: werift unwraps RTX retransmissions back into the
 * original stream before its NACK generator and our pipeline see them.
 */

export interface ChosenCodec {
  codec: RecordedCodec;
  payloadType: number;
  clockRate: number;
}

export interface FilteredOffer {
  sdp: string;
  /** Per m-line index (audio/video only), the payload types kept, in offer order. */
  chosen: Map<number, ChosenCodec[]>;
  /** Per m-line index, the RTX payload types kept (their `apt` is a chosen payload type). */
  rtx: Map<number, number[]>;
}

const KEPT_FEEDBACK = new Set(["nack", "nack pli", "ccm fir"]);

function codecOf(rtpmap: string): { name: string; clockRate: number } {
  const [name, rate] = rtpmap.split("/");
  return { name: name.toLowerCase(), clockRate: Number(rate) };
}

/** Picks one payload type per codec: Opus; VP8; H.264 packetization-mode=1, baseline 42e01f preferred. */
function choose(kind: string, rtpmaps: Map<number, string>, fmtps: Map<number, string>): ChosenCodec[] {
  const chosen: ChosenCodec[] = [];
  const h264: number[] = [];
  for (const [pt, map] of rtpmaps) {
    const { name, clockRate } = codecOf(map);
    if (kind === "audio" && name === "opus" && !chosen.some((c) => c.codec === "opus"))
      chosen.push({ codec: "opus", payloadType: pt, clockRate });
    if (kind === "video" && name === "vp8" && !chosen.some((c) => c.codec === "vp8"))
      chosen.push({ codec: "vp8", payloadType: pt, clockRate });
    if (kind === "video" && name === "h264" && /packetization-mode=1/.test(fmtps.get(pt) ?? "")) h264.push(pt);
  }
  if (h264.length > 0) {
    const pt = h264.find((p) => /profile-level-id=42e01f/i.test(fmtps.get(p) ?? "")) ?? h264[0];
    chosen.push({ codec: "h264", payloadType: pt, clockRate: 90_000 });
  }
  // Keep the offer's order: the sender encodes with the first codec of the answer.
  const order = [...rtpmaps.keys()];
  return chosen.sort((a, b) => order.indexOf(a.payloadType) - order.indexOf(b.payloadType));
}

export function filterOffer(offerSdp: string): FilteredOffer {
  const eol = offerSdp.includes("\r\n") ? "\r\n" : "\n";
  const lines = offerSdp.split(/\r?\n/);
  const sections: string[][] = [[]];
  for (const l of lines) {
    if (l.startsWith("m=")) sections.push([]);
    sections[sections.length - 1].push(l);
  }
  const chosen = new Map<number, ChosenCodec[]>();
  const rtx = new Map<number, number[]>();
  const out: string[] = [...sections[0]];
  sections.slice(1).forEach((section, mIndex) => {
    const kind = section[0].slice(2).split(" ")[0];
    if (kind !== "audio" && kind !== "video") {
      out.push(...section);
      return;
    }
    const rtpmaps = new Map<number, string>();
    const fmtps = new Map<number, string>();
    for (const l of section) {
      const m = /^a=(rtpmap|fmtp):(\d+) (.*)$/.exec(l);
      if (m) (m[1] === "rtpmap" ? rtpmaps : fmtps).set(Number(m[2]), m[3]);
    }
    const picks = choose(kind, rtpmaps, fmtps);
    chosen.set(mIndex, picks);
    const keep = new Set(picks.map((p) => p.payloadType));
    const rtxPts = [...rtpmaps]
      .filter(([pt, map]) => codecOf(map).name === "rtx" && keep.has(Number(/apt=(\d+)/.exec(fmtps.get(pt) ?? "")?.[1])))
      .map(([pt]) => pt);
    rtx.set(mIndex, rtxPts);
    if (picks.length === 0) {
      // Left untouched: the caller refuses the offer (werift cannot answer a section it has no codec for).
      out.push(...section);
      return;
    }
    out.push([...section[0].split(" ").slice(0, 3), ...picks.map((p) => p.payloadType), ...rtxPts].join(" "));
    for (const pt of rtxPts) keep.add(pt);
    for (const l of section.slice(1)) {
      const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l);
      if (pt && !keep.has(Number(pt[1]))) continue;
      const fb = /^a=rtcp-fb:\d+ (.*)$/.exec(l);
      if (fb && !KEPT_FEEDBACK.has(fb[1].trim())) continue;
      if (l.startsWith("a=extmap:") && /transport-wide-cc|abs-send-time/.test(l)) continue;
      out.push(l);
    }
  });
  return { sdp: out.join(eol), chosen, rtx };
}

/** Adds bitrate hints to each video payload type's fmtp in the answer (Chromium ramps up faster). */
export function addBitrateHints(
  answerSdp: string,
  videoPayloadTypes: number[],
  hints: { startKbps: number; minKbps: number; maxKbps?: number },
): string {
  const eol = answerSdp.includes("\r\n") ? "\r\n" : "\n";
  const params =
    `x-google-start-bitrate=${hints.startKbps};x-google-min-bitrate=${hints.minKbps}` +
    (hints.maxKbps ? `;x-google-max-bitrate=${hints.maxKbps}` : "");
  const lines = answerSdp.split(/\r?\n/);
  for (const pt of videoPayloadTypes) {
    const fmtp = lines.findIndex((l) => l.startsWith(`a=fmtp:${pt} `));
    if (fmtp >= 0) lines[fmtp] = `${lines[fmtp]};${params}`;
    else {
      const rtpmap = lines.findIndex((l) => l.startsWith(`a=rtpmap:${pt} `));
      if (rtpmap >= 0) lines.splice(rtpmap + 1, 0, `a=fmtp:${pt} ${params}`);
    }
  }
  return lines.join(eol);
}
