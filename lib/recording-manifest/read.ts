import { parseJsonLines, type SkippedLine } from "@/lib/recording-manifest/jsonl";
import { manifestLine, type ManifestLine } from "@/lib/recording-manifest/schema";

export interface ParsedManifest {
  lines: ManifestLine[];
  /** Lines not used, with why: `torn-last-line`, `invalid-json`, or `invalid-event:<type>` (unknown or malformed kind). */
  skipped: SkippedLine[];
  tail: "none" | "torn" | "whole";
  terminatedLength: number;
}

/** Parses manifest.jsonl leniently per line: one bad line never costs the whole recording. */
export function parseManifestText(text: string): ParsedManifest {
  const json = parseJsonLines(text);
  const lines: ManifestLine[] = [];
  const skipped = [...json.skipped];
  for (const { lineNumber, value } of json.lines) {
    const parsed = manifestLine.safeParse(value);
    if (parsed.success) lines.push(parsed.data);
    else {
      const type = typeof value === "object" && value && "type" in value ? String((value as { type: unknown }).type) : "?";
      skipped.push({ lineNumber, reason: `invalid-event:${type}` });
    }
  }
  skipped.sort((a, b) => a.lineNumber - b.lineNumber);
  return { lines, skipped, tail: json.tail, terminatedLength: json.terminatedLength };
}
