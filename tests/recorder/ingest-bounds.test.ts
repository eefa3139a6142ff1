// What one publisher can take from a recording: a session admitted while a stop was under way, an offer with many
// m= lines, a track budget never given back, a token that opens session after session. Each is bounded.
// UDP ports of this file: recorder ICE 46700-46779.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, readManifest, WhipHttpError, type RecorderIngestOptions } from "@/recorder/ingest";

const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8"); // audio + video
const secret = "bounds-secret";
const root = mkdtempSync(path.join(os.tmpdir(), "ingest-bounds-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  rmSync(root, { recursive: true, force: true });
});

let portBase = 46_700;
async function ingestServer(opts: Partial<RecorderIngestOptions> = {}) {
  const directory = mkdtempSync(path.join(root, "dir-"));
  const handler = createRecorderIngest({
    tokenSecret: secret,
    directory,
    icePortRange: [portBase, portBase + 19],
    loopback: true,
    ...opts,
  });
  portBase += 20;
  const server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(async () => {
    await handler.closeAll();
    await new Promise((r) => server.close(r));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = async (recordingId: string, participantId: string, sdp = offer, token?: string) => {
    const auth = token ?? issuePublisherToken(secret, { recordingId, participantId, displayName: participantId });
    const res = await fetch(`${url}/whip/${recordingId}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${auth}`, "Content-Type": "application/sdp" },
      body: sdp,
    });
    return { status: res.status, body: await res.text(), location: res.headers.get("location"), token: auth };
  };
  const remove = (location: string, token: string) =>
    fetch(new URL(location, url), { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
  return { directory, handler, post, remove };
}

/** The offer with its video section repeated `extra` times under new mids (one participant, many m= lines). */
function offerWithExtraVideo(extra: number): string {
  const at = offer.indexOf("m=video ");
  const video = offer.slice(at);
  const copies = Array.from({ length: extra }, (_, i) => video.replace(/^a=mid:1$/m, `a=mid:${i + 2}`));
  const mids = ["0", "1", ...copies.map((_, i) => String(i + 2))].join(" ");
  return offer.slice(0, at).replace(/^a=group:BUNDLE .*$/m, `a=group:BUNDLE ${mids}`) + video + copies.join("");
}

describe("ingest bounds", () => {
  it("a session admitted while a stop was under way is refused once negotiated, not left recording", async () => {
    let stopped = false;
    let first = true;
    const ingest = await ingestServer({
      admit: async ({ recordingId }) => {
        if (stopped) throw new WhipHttpError(409, "recording-not-running", "the recording is stopped");
        if (!first) return;
        first = false;
        // The stop lands while this session negotiates: the sweep of the recording's sessions cannot see it yet.
        setImmediate(() => {
          stopped = true;
          void ingest.handler.closeRecording(recordingId);
        });
      },
    });
    const r = await ingest.post("rec-race", "p1");
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body)).toMatchObject({ error: "recording-not-running" });
    expect(ingest.handler.sessionCount).toBe(0);
    const manifest = readManifest(ingest.directory, "rec-race");
    expect(manifest.filter((e) => e.type === "session-end")).toHaveLength(manifest.filter((e) => e.type === "session-start").length);
  });

  it("an offer with more m= lines than one camera sends is refused", async () => {
    const { post, handler } = await ingestServer({ maxTracksPerRecording: 64 });
    const r = await post("rec-many", "p1", offerWithExtraVideo(4));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ error: "too-many-tracks" });
    expect(handler.sessionCount).toBe(0);
    expect((await post("rec-many", "p2")).status).toBe(201); // the budget is untouched
  });

  it("a session that ends gives its tracks back to the recording's budget", async () => {
    const { post, remove } = await ingestServer({ maxTracksPerRecording: 2 });
    const a = await post("rec-budget", "p1");
    expect(a.status).toBe(201);
    expect((await post("rec-budget", "p2")).status).toBe(403); // 4 > 2 while p1 publishes
    expect((await remove(a.location!, a.token)).status).toBe(200);
    expect((await post("rec-budget", "p2")).status).toBe(201);
  });

  it("one token holds one session: a second POST with it replaces the first", async () => {
    const { post, handler, directory } = await ingestServer();
    const a = await post("rec-token", "p1");
    expect(a.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await post("rec-token", "p1", offer, a.token)).status).toBe(201);
    expect(handler.sessionCount).toBe(1);
    const ends = readManifest(directory, "rec-token").filter((e) => e.type === "session-end");
    expect(ends.map((e) => (e as { reason: string }).reason)).toEqual(["replaced", "replaced", "replaced"]);
  });
});
