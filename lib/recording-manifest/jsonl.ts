/**
 * The one reader of JSON Lines files the recorder appends to (manifest.jsonl). A crash in the middle of an append
 * leaves a torn last line; it is reported apart from a malformed line elsewhere, and the length of the text before it
 * is given so crash recovery can cut it off before appending.
 */

export interface JsonLine {
  /** 1-based. */
  lineNumber: number;
  value: unknown;
}

export interface SkippedLine {
  lineNumber: number;
  reason: string;
}

export interface JsonLines {
  lines: JsonLine[];
  /** Lines that are not JSON: `torn-last-line` for the unterminated tail, `invalid-json` elsewhere. */
  skipped: SkippedLine[];
  /** The text has a last line without "\n": torn (not JSON) or whole (JSON, its newline not yet written). */
  tail: "none" | "torn" | "whole";
  /** Characters of the text up to and including its last "\n" (what stays when a torn tail is cut off). */
  terminatedLength: number;
}

export function parseJsonLines(text: string): JsonLines {
  const raw = text.split("\n");
  // The last element is "" when the text ends in a newline; otherwise it is a line still being written.
  const lastIndex = raw.length - 1;
  const lines: JsonLine[] = [];
  const skipped: SkippedLine[] = [];
  let tail: JsonLines["tail"] = "none";
  raw.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (!line) return;
    try {
      lines.push({ lineNumber: i + 1, value: JSON.parse(line) as unknown });
      if (i === lastIndex) tail = "whole";
    } catch {
      skipped.push({ lineNumber: i + 1, reason: i === lastIndex ? "torn-last-line" : "invalid-json" });
      if (i === lastIndex) tail = "torn";
    }
  });
  return { lines, skipped, tail, terminatedLength: text.lastIndexOf("\n") + 1 };
}
