import { parseManifestText } from "@/lib/recording-manifest/read";
import type { ManifestLine, SessionSource as ManifestSessionSource } from "@/lib/recording-manifest/schema";
import type { SkippedLine } from "@/lib/recording-manifest/jsonl";

/**
 * The recorder's manifest.jsonl as the compositor reads it: the contract is lib/recording-manifest/schema.ts.
 * Parsing is lenient per line: a torn last line (crash while appending) is expected and skipped; a malformed or
 * unknown line elsewhere is skipped and reported, so one bad line never costs the whole recording.
 */

export type ManifestEvent = ManifestLine;
export type SessionSource = ManifestSessionSource;
export type { SkippedLine };

export interface ParsedManifest {
  events: ManifestEvent[];
  /** Lines that were not used, with why (a torn last line is listed too, reason "torn-last-line"). */
  skipped: SkippedLine[];
}

export function parseManifest(text: string): ParsedManifest {
  const { lines, skipped } = parseManifestText(text);
  return { events: lines, skipped };
}
