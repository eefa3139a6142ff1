import { z } from "zod";

/**
 * The recorder's manifest.jsonl (recorder/MANIFEST.md) as typed events. Parsing is lenient per line: a torn last
 * line (crash while appending) is expected and skipped; a malformed or unknown line elsewhere is skipped and
 * reported, so one bad line never costs the whole recording.
 */

const base = { atMs: z.number().finite(), sessionId: z.string().min(1) };
const trackId = z.string().min(1);
const kind = z.enum(["audio", "video"]);

const sessionStart = z.object({
  type: z.literal("session-start"), ...base, participantId: z.string().min(1), displayName: z.string(),
  source: z.enum(["camera", "screen", "external"]),
});
const trackStart = z.object({
  type: z.literal("track-start"), ...base, trackId, kind, codec: z.string(), file: z.string().min(1),
  mediaZeroMs: z.number().finite(),
});
// alignedZeroMs (sender clock + least transit, in the recorder's clock) is the best start estimate; older
// manifests lack it. The last track-sync of a track wins.
const trackSync = z.object({
  type: z.literal("track-sync"), ...base, trackId, mediaZeroNtpMs: z.number().finite(), alignedZeroMs: z.number().finite().optional(),
});
const videoSize = z.object({
  type: z.literal("video-size"), ...base, trackId, mediaMs: z.number().finite(),
  width: z.number().int().positive(), height: z.number().int().positive(),
});
const audioLevel = z.object({
  type: z.literal("audio-level"), ...base, trackId, fromMs: z.number().finite(), toMs: z.number().finite(),
  dBov: z.number().min(-127).max(0), voice: z.number().min(0).max(1),
});
const mute = z.object({ type: z.enum(["mute", "unmute"]), ...base, trackId, kind });
const trackEnd = z.object({
  type: z.literal("track-end"), ...base, trackId, durationMs: z.number().nonnegative(), frames: z.number().nonnegative(),
});
const sessionEnd = z.object({ type: z.literal("session-end"), ...base, reason: z.string() });

const manifestEvent = z.union([sessionStart, trackStart, trackSync, videoSize, audioLevel, mute, trackEnd, sessionEnd]);

export type ManifestEvent = z.infer<typeof manifestEvent>;
export type SessionSource = z.infer<typeof sessionStart>["source"];

export interface SkippedLine {
  lineNumber: number;
  reason: string;
}

export interface ParsedManifest {
  events: ManifestEvent[];
  /** Lines that were not used, with why (a torn last line is listed too, reason "torn-last-line"). */
  skipped: SkippedLine[];
}

export function parseManifest(text: string): ParsedManifest {
  const lines = text.split("\n");
  const events: ManifestEvent[] = [];
  const skipped: SkippedLine[] = [];
  // The last element is "" when the file ends in a newline; otherwise it is a line still being written.
  const lastIndex = lines.length - 1;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped.push({ lineNumber: i + 1, reason: i === lastIndex ? "torn-last-line" : "invalid-json" });
      return;
    }
    const parsed = manifestEvent.safeParse(json);
    if (parsed.success) events.push(parsed.data);
    else {
      const type = typeof json === "object" && json && "type" in json ? String((json as { type: unknown }).type) : "?";
      skipped.push({ lineNumber: i + 1, reason: `invalid-event:${type}` });
    }
  });
  return { events, skipped };
}
