// A recording's raw files, served by the recorder that captured them to a compositing worker on any host,
// and fetched by that worker into its own scratch folder.
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { issueControlToken } from "@/recorder/control/control-token";

export interface RecordingFile {
  /** Relative to the recording's folder, "/"-separated. */
  path: string;
  bytes: number;
}

// Participant folders are named by participant id: `agent:<id>`, `visitor:<id>`, `<id>:screen`, `source:<uuid>`.
// A name may not start with "." (so never "." or ".."), and "/" splits names: nothing can leave the recording's folder.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** A relative path made only of plain names (no "..", no absolute path, no odd characters), or null. */
export function safeRelativePath(rel: string): string | null {
  const parts = rel.split("/");
  if (parts.length === 0 || parts.length > 4 || !parts.every((p) => SEGMENT.test(p))) return null;
  return parts.join("/");
}

export async function listRecordingFiles(directory: string, recordingId: string): Promise<RecordingFile[]> {
  const root = path.join(directory, recordingId);
  const out: RecordingFile[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (!safeRelativePath(child)) continue;
      if (e.isDirectory() && depth < 3) await walk(child, depth + 1);
      else if (e.isFile()) out.push({ path: child, bytes: (await stat(path.join(root, child))).size });
    }
  };
  await walk("", 0);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Streams one file; answers false when it does not exist (the caller sends the 404). */
export async function sendRecordingFile(res: ServerResponse, directory: string, recordingId: string, rel: string): Promise<boolean> {
  const file = path.join(directory, recordingId, rel);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return false;
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(info.size), "Cache-Control": "no-store" });
  await pipeline(createReadStream(file), res);
  return true;
}

export interface FetchRecordingRequest {
  /** The recorder's control base, e.g. http://recorder:3300 */
  baseUrl: string;
  secret: string | Buffer;
  recordingId: string;
  into: string;
  timeoutMs?: number;
}

/** Copies every raw file of the recording from its recorder into `into`, checking each file's size. */
export async function fetchRecordingFiles(r: FetchRecordingRequest): Promise<{ files: number; bytes: number }> {
  const base = `${r.baseUrl.replace(/\/$/, "")}/recordings/${encodeURIComponent(r.recordingId)}/files`;
  const get = async (url: string) => {
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${issueControlToken(r.secret, r.recordingId, 300)}` },
      signal: AbortSignal.timeout(r.timeoutMs ?? 600_000),
    });
    if (res.status !== 200) throw new Error(`recorder answered ${res.status} to GET ${url}: ${(await res.text()).slice(0, 200)}`);
    return res;
  };
  const { files } = (await (await get(base)).json()) as { files: RecordingFile[] };
  let bytes = 0;
  for (const f of files) {
    const rel = safeRelativePath(f.path);
    if (!rel) throw new Error(`recorder listed an unsafe path: ${JSON.stringify(f.path).slice(0, 100)}`);
    const target = path.join(r.into, rel);
    await mkdir(path.dirname(target), { recursive: true });
    const res = await get(`${base}/${rel.split("/").map(encodeURIComponent).join("/")}`);
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(target));
    const size = (await stat(target)).size;
    if (size !== f.bytes) throw new Error(`${rel}: fetched ${size} bytes, the recorder listed ${f.bytes}`);
    bytes += size;
  }
  return { files: files.length, bytes };
}
