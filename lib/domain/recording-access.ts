// The access trail of recordings (consultation recordings are medical records: "who watched this?" must have an
// answer). What counts as access, how often a live view is written, and the CSV an admin exports.

export const ACCESS_ACTIONS = ["play", "download", "play-hls", "live-view", "keep", "unkeep", "delete", "layout"] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** A live player reloads its playlist every few seconds: one entry per viewer and recording in this window. */
export const LIVE_VIEW_ENTRY_EVERY_MS = 10 * 60_000;

export interface AccessEntry {
  id: string;
  recordingId: string;
  action: AccessAction;
  detail: string | null;
  actorId: string;
  actorUsername: string;
  actorRole: string;
  clientIp: string;
  userAgent: string;
  at: string;
}

/** What the request tells about the client; the IP is the front door's (never a client-supplied header). */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export const CSV_COLUMNS = [
  "at",
  "recordingId",
  "action",
  "detail",
  "actorUsername",
  "actorRole",
  "actorId",
  "clientIp",
  "userAgent",
] as const;

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with '. */
export function csvCell(value: string | null): string {
  let text = value ?? "";
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(entry: AccessEntry): string {
  return CSV_COLUMNS.map((c) => csvCell(entry[c])).join(",");
}

export const csvHeader = () => CSV_COLUMNS.join(",");
