import type { Chapter } from "@/lib/compositing/chapters";

/**
 * Chapters as a WebVTT file (the `<track kind="chapters">` format) and back. Titles are names people typed, so
 * cue text is escaped: `&` and `<` would start markup, and `-->` inside a cue would read as a timing line.
 * The parser reads what the serializer writes (and ordinary chapter files): it is what the console's chapter
 * list uses, in the browser, on the same file the video's track loads.
 */

export function formatVttTime(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const pad = (n: number, w: number) => String(n).padStart(w, "0");
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(total % 1000, 3)}`;
}

export function escapeCueText(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

export function chaptersToWebVtt(chapters: Chapter[]): string {
  const cues = chapters
    .filter((c) => c.endMs > c.startMs)
    .map((c, i) => `chapter-${i + 1}\n${formatVttTime(c.startMs)} --> ${formatVttTime(c.endMs)}\n${escapeCueText(c.title)}\n`);
  return ["WEBVTT\n", ...cues].join("\n");
}

const TIMING = /^\s*((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})/;

function parseVttTime(text: string): number {
  const parts = text.split(":");
  const [sec, ms] = parts.pop()!.split(".");
  const [h, m] = parts.length === 2 ? parts.map(Number) : [0, Number(parts[0])];
  return ((h! * 60 + m!) * 60 + Number(sec)) * 1000 + Number(ms);
}

function unescapeCueText(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&nbsp;/g, "\u00a0")
    .replace(/&amp;/g, "&");
}

/** The cues of a WebVTT file as chapters; an empty list for anything that is not one. */
export function parseWebVttChapters(text: string): Chapter[] {
  const blocks = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(blocks[0]?.split("\n")[0] ?? "")) return [];
  const chapters: Chapter[] = [];
  for (const block of blocks.slice(1)) {
    const lines = block.split("\n").filter((l) => l !== "");
    const at = lines.findIndex((l) => TIMING.test(l));
    // NOTE, STYLE and REGION blocks have no timing line.
    if (at < 0 || at > 1) continue;
    const [, from, to] = TIMING.exec(lines[at]!)!;
    const title = unescapeCueText(lines.slice(at + 1).join(" "));
    chapters.push({ startMs: parseVttTime(from!), endMs: parseVttTime(to!), title });
  }
  return chapters;
}

/** The chapter playing at `ms` (the last one started by then), or -1 before the first. */
export function chapterAt(chapters: Chapter[], ms: number): number {
  let found = -1;
  for (const [i, c] of chapters.entries()) if (c.startMs <= ms) found = i;
  return found;
}
