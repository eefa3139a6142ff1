// What one publisher can take from a recording: a session admitted while a stop was under way, an offer with many
// m= lines, a track budget never given back, a token that opens session after session. Each is bounded.
// UDP ports of this file: recorder ICE 46700-46779.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest, WhipHttpError } from "@/recorder/ingest";
import { CHROMIUM_OFFER, ingestServers } from "@/tests/support/recorder/ingest-server";

const offer = CHROMIUM_OFFER; // audio + video
const secret = "bounds-secret";
const root = mkdtempSync(path.join(os.tmpdir(), "ingest-bounds-"));
const ingest = ingestServers({ root, secret, firstIcePort: 46_700 });
const ingestServer = ingest.start;
afterAll(async () => {
  await ingest.closeAll();
  rmSync(root, { recursive: true, force: true });
});

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
