// Where a recording's files live: `<root>/<recordingId>/manifest.jsonl` and one folder per publisher session,
// `<root>/<recordingId>/<participantId>/<sessionId>/`, holding session.json and the session's track files.
import path from "node:path";

export function recordingDirectory(root: string, recordingId: string): string {
  return path.join(root, recordingId);
}

/** Where one publisher session's files live. */
export function sessionDirectory(root: string, recordingId: string, participantId: string, sessionId: string): string {
  return path.join(recordingDirectory(root, recordingId), participantId, sessionId);
}

/** A file's path as the manifest names it: relative to the recording's folder, "/"-separated. */
export function recordingRelativeFile(root: string, recordingId: string, file: string): string {
  return path.relative(recordingDirectory(root, recordingId), file).split(path.sep).join("/");
}
