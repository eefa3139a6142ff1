// The recorder's ingest on a local HTTP server, for tests that POST offers at it: each server gets its own folder
// and its own slice of ICE ports; `post` publishes as a participant (a fresh token, or the one given).
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createRecorderIngest, issuePublisherToken, type RecorderIngestOptions, type WhipHandler } from "@/recorder/ingest";

/** A real Chromium offer: one audio and one video m-line (2 tracks). */
export const CHROMIUM_OFFER = readFileSync(path.join(import.meta.dirname, "fixtures/chromium-offer.sdp"), "utf8");

export function ingestServers(o: { root: string; secret: string; firstIcePort: number }) {
  const running: { server: http.Server; handler: WhipHandler }[] = [];
  let portBase = o.firstIcePort;

  async function start(opts: Partial<RecorderIngestOptions> = {}) {
    const directory = mkdtempSync(path.join(o.root, "dir-"));
    const handler = createRecorderIngest({
      tokenSecret: o.secret,
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
    running.push({ server, handler });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (recordingId: string, participantId: string, sdp = CHROMIUM_OFFER, token?: string) => {
      const auth = token ?? issuePublisherToken(o.secret, { recordingId, participantId, displayName: participantId });
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

  /** Ends every session and closes every server started. */
  async function closeAll() {
    for (const { server, handler } of running) {
      await handler.closeAll();
      await new Promise((r) => server.close(r));
    }
  }

  return { start, closeAll };
}
