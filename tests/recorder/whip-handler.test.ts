import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issuePublisherToken, verifyPublisherToken } from "@/recorder/auth/publisher-token";
import { createWhipHandler, type WhipSession, type WhipHandler, WhipHttpError } from "@/recorder/whip/whip-handler";

const secret = "whip-test-secret";
const token = issuePublisherToken(secret, { recordingId: "rec1", participantId: "p1", displayName: "Alice" });
const otherRecording = issuePublisherToken(secret, { recordingId: "rec2", participantId: "p1", displayName: "Alice" });
const expired = issuePublisherToken(
  secret,
  { recordingId: "rec1", participantId: "p1", displayName: "A" },
  { nowMs: Date.now() - 600_000 },
);

const OFFER = [
  "v=0",
  "o=- 1 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0 1",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111",
  "c=IN IP4 0.0.0.0",
  "a=mid:0",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:0123456789abcdefghijkl",
  "a=setup:actpass",
  "a=sendonly",
  "a=rtpmap:111 opus/48000/2",
  "m=video 9 UDP/TLS/RTP/SAVPF 96",
  "c=IN IP4 0.0.0.0",
  "a=mid:1",
  "a=ice-ufrag:abcd",
  "a=ice-pwd:0123456789abcdefghijkl",
  "a=setup:actpass",
  "a=sendonly",
  "a=rtpmap:96 VP8/90000",
  "",
].join("\r\n");

interface FakeSession extends WhipSession {
  closedWith?: string;
  frags: unknown[];
  endItself(r: string): void;
}
const created: FakeSession[] = [];
let supportRestart = true;
let supportTrickle = true;

function fakeFactory(): Promise<WhipSession> {
  let listener: ((r: string) => void) | undefined;
  const s: FakeSession = {
    answerSdp: "v=0\r\nfake-answer\r\n",
    frags: [],
    async close(reason) {
      s.closedWith = reason;
    },
    onClosed(l) {
      listener = l;
    },
    endItself(r) {
      listener?.(r);
    },
  };
  if (supportTrickle)
    s.addRemoteCandidates = async (f) => {
      s.frags.push(f);
    };
  if (supportRestart) s.restartIce = async () => "a=ice-ufrag:new1\r\na=ice-pwd:newpasswordnewpassword12\r\n";
  created.push(s);
  return Promise.resolve(s);
}

let server: http.Server;
let handler: WhipHandler;
let base: string;
const errors: unknown[] = [];

beforeAll(async () => {
  handler = createWhipHandler({
    verifyPublisherToken: (t) => verifyPublisherToken(secret, t),
    sessionFactory: async (req) => {
      if (req.offerSdp.includes("a=x-capacity-full")) throw new WhipHttpError(503, "at-capacity", "recorder is full");
      if (req.offerSdp.includes("a=x-crash")) throw new Error("secret internal detail");
      return fakeFactory();
    },
    maxBodyBytes: 4096,
    onError: (err) => errors.push(err),
    allowedOrigins: ["http://allowed.test"],
    linkHeaders: ['<stun:stun.example.net>; rel="ice-server"'],
  });
  server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) {
      res.writeHead(418);
      res.end("not whip");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await handler.closeAll();
  await new Promise((r) => server.close(r));
});

type Res = { status: number; headers: http.IncomingHttpHeaders; body: string };
function request(method: string, path: string, headers: Record<string, string | number> = {}, body?: string | Buffer): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const auth = (t = token) => ({ Authorization: `Bearer ${t}` });
const sdpHeaders = (t = token) => ({ ...auth(t), "Content-Type": "application/sdp" });
async function publish(): Promise<Res> {
  return request("POST", "/whip/rec1", sdpHeaders(), OFFER);
}

describe("WHIP handler (RFC 9725)", () => {
  it("leaves other paths to the host server", async () => {
    expect((await request("GET", "/api/health")).status).toBe(418);
  });

  it("POST offer → 201 with answer, Location, ETag", async () => {
    const r = await publish();
    expect(r.status).toBe(201);
    expect(r.headers["content-type"]).toBe("application/sdp");
    expect(r.body).toContain("fake-answer");
    expect(r.headers.location).toMatch(/^\/whip\/rec1\/sessions\/[0-9a-f-]{36}$/);
    expect(r.headers.etag).toMatch(/^".+"$/);
    expect(r.headers.link).toContain("ice-server");
  });

  it("401 without a token, 403 for forged, expired or other-recording tokens", async () => {
    const r401 = await request("POST", "/whip/rec1", { "Content-Type": "application/sdp" }, OFFER);
    expect(r401.status).toBe(401);
    expect(r401.headers["www-authenticate"]).toContain("Bearer");
    for (const t of [`${token.slice(0, -3)}AAA`, expired, otherRecording, "nonsense"]) {
      const r = await request("POST", "/whip/rec1", sdpHeaders(t), OFFER);
      expect(r.status).toBe(403);
      expect(JSON.parse(r.body).message).toMatch(/token/);
    }
  });

  it("415 for a wrong content type", async () => {
    const r = await request("POST", "/whip/rec1", { ...auth(), "Content-Type": "application/json" }, "{}");
    expect(r.status).toBe(415);
    expect(JSON.parse(r.body).error).toBe("unsupported-media-type");
  });

  it.each([
    ["not sdp", "hello", /v=/],
    ["no m= lines", "v=0\r\ns=-\r\n", /m= lines/],
    ["no audio/video", "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:x\r\n", /audio nor video/],
    ["an answer", OFFER.replaceAll("a=setup:actpass", "a=setup:active"), /not an offer/],
    ["no ufrag", OFFER.replaceAll(/a=ice-ufrag:abcd\r\n/g, ""), /ice-ufrag/],
  ])("400 for malformed SDP: %s", async (_name, sdp, msg) => {
    const r = await request("POST", "/whip/rec1", sdpHeaders(), sdp as string);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(msg as RegExp);
  });

  it("413 for a body over the limit, declared or streamed", async () => {
    const big = `v=0\r\n${"a=x\r\n".repeat(2000)}`;
    expect((await request("POST", "/whip/rec1", sdpHeaders(), big)).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${base}/whip/rec1`,
        { method: "POST", headers: { ...sdpHeaders(), "Transfer-Encoding": "chunked" } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
      });
      req.write(big);
      req.write(big);
      setTimeout(() => req.end(), 50);
    });
    expect(streamed).toBe(413);
  });

  it("passes factory errors through with their status", async () => {
    const r = await request("POST", "/whip/rec1", sdpHeaders(), `${OFFER}a=x-capacity-full\r\n`);
    expect(r.status).toBe(503);
  });

  it("answers unexpected failures with a bare 500 and reports them", async () => {
    const r = await request("POST", "/whip/rec1", sdpHeaders(), `${OFFER}a=x-crash\r\n`);
    expect(r.status).toBe(500);
    expect(r.body).not.toContain("secret");
    expect(String(errors.at(-1))).toContain("secret internal detail");
  });

  it("405 for other methods", async () => {
    const r = await request("GET", "/whip/rec1", auth());
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("POST, OPTIONS");
    const loc = (await publish()).headers.location!;
    const r2 = await request("POST", loc, sdpHeaders(), OFFER);
    expect(r2.status).toBe(405);
    expect(r2.headers.allow).toContain("PATCH");
  });

  it("OPTIONS answers CORS preflight for allowed origins and refuses others", async () => {
    const r = await request("OPTIONS", "/whip/rec1", { Origin: "http://allowed.test", "Access-Control-Request-Method": "POST" });
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-origin"]).toBe("http://allowed.test");
    expect(r.headers["access-control-allow-methods"]).toContain("POST");
    for (const h of ["Authorization", "Content-Type", "If-Match"]) expect(r.headers["access-control-allow-headers"]).toContain(h);
    for (const h of ["Location", "ETag", "Link"]) expect(r.headers["access-control-expose-headers"]).toContain(h);
    const bad = await request("OPTIONS", "/whip/rec1", { Origin: "http://evil.test" });
    expect(bad.status).toBe(403);
    expect(bad.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("PATCH trickles candidates (204), checks If-Match (412) and content type (415)", async () => {
    const p = await publish();
    const loc = p.headers.location!;
    const frag =
      "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n";
    const ok = await request(
      "PATCH",
      loc,
      { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": p.headers.etag! },
      frag,
    );
    expect(ok.status).toBe(204);
    expect(created.at(-1)!.frags[0]).toMatchObject({
      endOfCandidates: true,
      candidates: [{ mid: "0", candidate: expect.stringContaining("candidate:1") }],
    });
    const stale = await request(
      "PATCH",
      loc,
      { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": '"stale"' },
      frag,
    );
    expect(stale.status).toBe(412);
    const wrongType = await request("PATCH", loc, { ...auth(), "Content-Type": "application/sdp" }, frag);
    expect(wrongType.status).toBe(415);
    const garbage = await request("PATCH", loc, { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag" }, "garbage");
    expect(garbage.status).toBe(400);
  });

  it("PATCH with new credentials restarts ICE (200, new ETag) or answers 422 when unsupported", async () => {
    const p = await publish();
    const restart = "a=ice-ufrag:zzzz\r\na=ice-pwd:zzzzzzzzzzzzzzzzzzzzzzzz\r\n";
    const r = await request(
      "PATCH",
      p.headers.location!,
      { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": "*" },
      restart,
    );
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/trickle-ice-sdpfrag");
    expect(r.body).toContain("a=ice-ufrag:new1");
    expect(r.headers.etag).not.toBe(p.headers.etag);
    supportRestart = false;
    try {
      const p2 = await publish();
      const r2 = await request(
        "PATCH",
        p2.headers.location!,
        { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag", "If-Match": "*" },
        restart,
      );
      expect(r2.status).toBe(422);
      supportTrickle = false;
      const p3 = await publish();
      const r3 = await request("PATCH", p3.headers.location!, { ...auth(), "Content-Type": "application/trickle-ice-sdpfrag" }, restart);
      expect(r3.status).toBe(405);
    } finally {
      supportRestart = supportTrickle = true;
    }
  });

  it("DELETE ends the session (200); then 404; unknown sessions 404; tokens are checked", async () => {
    const loc = (await publish()).headers.location!;
    const session = created.at(-1)!;
    expect((await request("DELETE", loc)).status).toBe(401);
    const other = issuePublisherToken(secret, { recordingId: "rec1", participantId: "p2", displayName: "Bob" });
    expect((await request("DELETE", loc, auth(other))).status).toBe(403);
    const before = handler.sessionCount;
    expect((await request("DELETE", loc, auth())).status).toBe(200);
    expect(session.closedWith).toBe("deleted");
    expect(handler.sessionCount).toBe(before - 1);
    expect((await request("DELETE", loc, auth())).status).toBe(404);
    expect((await request("DELETE", "/whip/rec1/sessions/does-not-exist", auth())).status).toBe(404);
    expect((await request("DELETE", loc.replace("rec1", "rec2"), auth())).status).toBe(404);
  });

  it("forgets sessions that end on their own", async () => {
    const loc = (await publish()).headers.location!;
    created.at(-1)!.endItself("ice-failed");
    expect((await request("DELETE", loc, auth())).status).toBe(404);
  });
});
