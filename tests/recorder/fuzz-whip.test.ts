// Fuzzes a real WHIP ingest on loopback with a seeded storm of hostile HTTP requests: random methods,
// paths, content types, bodies (random bytes, garbled SDP, 2 MB uploads, unicode) and bearer tokens
// (garbage, forged, expired, for another recording). Reproduce a run with FUZZ_SEED=<seed printed below>.
// UDP ports: 44500-44599.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRecorderIngest, issuePublisherToken, type WhipHandler } from "@/recorder/ingest";
import { fakeUuid, fuzzString, int, mulberry32, pick, type Rng } from "@/tests/support/fuzz-values";

const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
console.log(`fuzz-whip seed=${SEED} (set FUZZ_SEED to reproduce another run)`);

const secret = "fuzz-whip-secret";
const offer = readFileSync(path.join(import.meta.dirname, "../support/recorder/fixtures/chromium-offer.sdp"), "utf8");
const directory = mkdtempSync(path.join(os.tmpdir(), "fuzz-whip-"));
// A connection per request, so a request the server rightly cuts off (an oversized body) cannot take others down with it.
const agent = new http.Agent({ keepAlive: false, maxSockets: 16 });
let handler: WhipHandler;
let server: http.Server;
let port: number;

beforeAll(async () => {
  handler = createRecorderIngest({ tokenSecret: secret, directory, icePortRange: [44500, 44599], loopback: true, maxBodyBytes: 64 * 1024 });
  server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.destroy();
  await handler?.closeAll();
  await new Promise((r) => server?.close(r));
  rmSync(directory, { recursive: true, force: true });
});

interface Reply {
  status: number; // 0: the connection was closed before any response
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(method: string, urlPath: string, headers: Record<string, string>, body?: Buffer | string): Promise<Reply> {
  return new Promise((resolve) => {
    // Host and path given apart: a URL would resolve "/whip/../etc" before it ever reached the server.
    const req = http.request({ hostname: "127.0.0.1", port, path: urlPath, method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", () => resolve({ status: 0, headers: {}, body: "" }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: e.code ?? e.message }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const validToken = (recordingId: string) => issuePublisherToken(secret, { recordingId, participantId: "p-fuzz", displayName: "Fuzz" });

function fuzzToken(rng: Rng, recordingId: string): { header?: string; valid: boolean } {
  const r = rng();
  if (r < 0.1) return { valid: false };
  if (r < 0.25) {
    // Kept under Node's 16 KB header limit, past which Node answers 431 before the handler sees anything.
    return {
      header: `Bearer ${fuzzString(rng)
        .replace(/[^\x20-\x7e]/g, "")
        .slice(0, 8000)}`,
      valid: false,
    };
  }
  if (r < 0.35)
    return {
      header: `Bearer ${issuePublisherToken("not-the-secret", { recordingId, participantId: "p", displayName: "Forger" })}`,
      valid: false,
    };
  if (r < 0.45) {
    const expired = issuePublisherToken(
      secret,
      { recordingId, participantId: "p", displayName: "Late" },
      { nowMs: Date.now() - 3_600_000 },
    );
    return { header: `Bearer ${expired}`, valid: false };
  }
  if (r < 0.5) return { header: `Bearer ${validToken(`other-${recordingId}`)}`, valid: false };
  if (r < 0.55) {
    const [head, payload, sig] = validToken(recordingId).split(".");
    return { header: `Bearer ${[head, payload, (sig ?? "").split("").reverse().join("")].join(".")}`, valid: false };
  }
  if (r < 0.6) return { header: pick(rng, ["Basic dXNlcjpwYXNz", "Bearer", "bearer  ", `Bearer ${"A".repeat(8000)}`]), valid: false };
  return { header: `Bearer ${validToken(recordingId)}`, valid: true };
}

function fuzzPath(rng: Rng, recordingId: string): string {
  // Every byte percent-encoded: lone surrogates and NULs reach the server as the bytes a browser would send.
  const encoded = (s: string) => Array.from(Buffer.from(s), (b) => `%${b.toString(16).padStart(2, "0")}`).join("");
  const id = () => (rng() < 0.5 ? fakeUuid(rng) : encoded(fuzzString(rng).slice(0, 100)));
  const r = rng();
  if (r < 0.4) return `/whip/${recordingId}`;
  if (r < 0.7) return `/whip/${recordingId}/sessions/${id()}`;
  if (r < 0.8) return `/whip/${id()}`;
  return pick(rng, [
    "/whip",
    "/whip/",
    `/whip/${recordingId}/`,
    "/whip/../etc/passwd",
    "/whip/%00",
    "/whip/%E0%A4%A",
    "/whip/%ff%fe/sessions/%",
    `/whip/${recordingId}?x=${id()}`,
    `/whip/a/b/c/d`,
    `/whip/${"x".repeat(3000)}`,
  ]);
}

function fuzzBody(rng: Rng): Buffer | string | undefined {
  const r = rng();
  if (r < 0.1) return undefined;
  if (r < 0.3) return Buffer.from(Array.from({ length: int(rng, 4096) }, () => int(rng, 256)));
  if (r < 0.55) return offer.slice(0, int(rng, offer.length)); // truncated
  if (r < 0.75) {
    const lines = offer.split("\r\n"); // garbled: lines dropped, duplicated, or replaced by junk
    for (let i = 0; i < 1 + int(rng, 6); i++) {
      const at = int(rng, lines.length);
      const op = rng();
      if (op < 0.33) lines.splice(at, 1);
      else if (op < 0.66) lines.splice(at, 0, lines[int(rng, lines.length)]!);
      else lines[at] = fuzzString(rng);
    }
    return lines.join(pick(rng, ["\r\n", "\n", "\r"]));
  }
  if (r < 0.8) return `a=fmtp:111 ${"😀\u202e\u0000".repeat(int(rng, 5000))}`;
  if (r < 0.81) return Buffer.alloc(2 * 1024 * 1024, 0x61); // 2 MB: over maxBodyBytes
  return fuzzString(rng);
}

const METHODS = ["GET", "POST", "POST", "POST", "PATCH", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD", "TRACE", "FUZZ"];
const CONTENT_TYPES = [
  "application/sdp",
  "application/sdp",
  "application/trickle-ice-sdpfrag",
  "text/plain",
  "application/json",
  "application/sdp; charset=utf-8",
  "multipart/form-data; boundary=x",
  "💥",
];

describe(`WHIP ingest fuzz (seed ${SEED})`, () => {
  it("answers thousands of hostile requests with a JSON problem and stays responsive", { timeout: 120_000 }, async () => {
    const rng = mulberry32(SEED);
    const statuses: Record<number, number> = {};
    const bad: string[] = [];
    const accepted: string[] = []; // Locations of sessions a fuzzed but still valid offer created
    const opened = await send(
      "POST",
      "/whip/rec-live",
      { Authorization: `Bearer ${validToken("rec-live")}`, "Content-Type": "application/sdp" },
      offer,
    );
    expect(opened.status).toBe(201);
    const live = opened.headers.location!;
    const urlPathRecording = (r: Rng) => (r() < 0.15 ? "rec-live" : `rec-${int(r, 4)}`);
    const started = Date.now();
    const one = async () => {
      const recordingId = urlPathRecording(rng);
      // Mostly a method that fits the path, so requests get past routing into authentication and SDP checks;
      // some PATCHes aim at a real running session (trickle and ICE restart with garbage).
      const aim = rng();
      const method = aim < 0.35 ? "POST" : aim < 0.5 ? "PATCH" : pick(rng, METHODS);
      const urlPath =
        aim < 0.35
          ? `/whip/${recordingId}`
          : aim < 0.42
            ? live
            : aim < 0.5
              ? `/whip/${recordingId}/sessions/${fakeUuid(rng)}`
              : fuzzPath(rng, recordingId);
      const token = fuzzToken(rng, recordingId);
      const body = fuzzBody(rng);
      const headers: Record<string, string> = {};
      if (token.header) headers.Authorization = token.header;
      if (rng() < 0.9) headers["Content-Type"] = pick(rng, CONTENT_TYPES).replace(/[^\x20-\x7e]/g, "?");
      if (rng() < 0.1) headers["If-Match"] = `"${fakeUuid(rng)}"`;
      const reply = await send(method, urlPath, headers, body);
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      const what = `${method} ${urlPath.slice(0, 80)} token=${token.valid} body=${body?.length ?? "none"} → ${reply.status} ${reply.body.slice(0, 120)}`;
      const huge = body !== undefined && body.length > 64 * 1024;
      if (reply.status === 201) {
        if (!(token.valid && method === "POST" && !urlPath.includes("/sessions/"))) bad.push(`unexpected 201: ${what}`);
        else accepted.push(reply.headers.location!);
        return;
      }
      if (reply.status === 0) return void (huge ? undefined : bad.push(`connection dropped: ${what}`));
      if (method === "OPTIONS" && reply.status === 204) return;
      if (method === "FUZZ" && reply.status === 400 && reply.body === "") return; // Node's HTTP parser refuses unknown methods itself
      if (reply.status < 400 || reply.status > 499) return void bad.push(`not a 4xx: ${what}`);
      if (method === "HEAD") return; // no body by definition
      try {
        const problem = JSON.parse(reply.body) as { error?: unknown; message?: unknown };
        if (typeof problem.error !== "string" || typeof problem.message !== "string") bad.push(`not {error, message}: ${what}`);
      } catch {
        bad.push(`not JSON: ${what}`);
      }
    };
    for (let i = 0; i < REQUESTS; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, REQUESTS - i) }, one));
      // Sessions a garbled-but-valid offer opened hold UDP ports; end them so the range never runs out.
      for (const location of accepted.splice(0)) {
        const del = await send("DELETE", location, { Authorization: `Bearer ${validToken(location.split("/")[2]!)}` });
        if (del.status !== 200) bad.push(`DELETE ${location} → ${del.status} ${del.body}`);
      }
    }
    console.log(`fuzz-whip: ${REQUESTS} requests in ${Date.now() - started} ms, statuses ${JSON.stringify(statuses)}`);
    expect(bad).toEqual([]);
    expect(statuses[400] ?? 0).toBeGreaterThan(REQUESTS / 20); // the bodies reached the SDP checks
    expect((statuses[401] ?? 0) + (statuses[403] ?? 0)).toBeGreaterThan(REQUESTS / 10); // and the tokens the authentication

    // Still responsive: a genuine offer gets its session, which can be ended.
    const t0 = Date.now();
    const created = await send(
      "POST",
      "/whip/rec-after",
      { Authorization: `Bearer ${validToken("rec-after")}`, "Content-Type": "application/sdp" },
      offer,
    );
    expect(created.status).toBe(201);
    expect(created.body).toContain("v=0");
    expect(Date.now() - t0).toBeLessThan(5000);
    const ended = await send("DELETE", created.headers.location!, { Authorization: `Bearer ${validToken("rec-after")}` });
    expect(ended.status).toBe(200);
  });
});
