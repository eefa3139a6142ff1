// The auth routes read a request body once, with the limit enforced while it streams: a chunked POST with no
// Content-Length used to be read whole (the guard cloned it and read the clone), growing the server by its size.
import { describe, expect, it } from "vitest";
import { AUTH_BODY_LIMIT, checkAuthRequest } from "@/server/platform/auth/auth-request-guard";

const URL_ = "http://desk.test/api/auth/callback/credentials";

/** A body of up to 256 MB in 16 KB chunks, produced only as it is read; counts what was pulled. */
function endlessBody() {
  const counter = { pulled: 0 };
  const chunk = new Uint8Array(16 * 1024).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulled += 1;
      controller.enqueue(chunk);
      if (counter.pulled >= 16_384) controller.close();
    },
  });
  return { stream, counter };
}

describe("auth request body limit", () => {
  it("stops reading a chunked body past the limit and refuses it", async () => {
    const { stream, counter } = endlessBody();
    const req = new Request(URL_, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const before = process.memoryUsage().rss;
    const verdict = await checkAuthRequest(req, ["callback", "credentials"]);
    expect("refused" in verdict && verdict.refused.status).toBe(400);
    expect("refused" in verdict && (await verdict.refused.json()).message).toContain(`${AUTH_BODY_LIMIT} bytes`);
    expect(counter.pulled).toBeLessThan(AUTH_BODY_LIMIT / (16 * 1024) + 4);
    expect(process.memoryUsage().rss - before).toBeLessThan(30 * 1024 * 1024);
  });

  it("hands a normal sign-in form on to next-auth with its body intact", async () => {
    const form = "csrfToken=abc&username=agent1&password=pw&callbackUrl=%2Fconsole&json=true";
    const req = new Request(URL_, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    const verdict = await checkAuthRequest(req, ["callback", "credentials"]);
    expect("request" in verdict && (await verdict.request.text())).toBe(form);
  });

  it("still refuses an off-site callbackUrl in the body", async () => {
    const req = new Request(URL_, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "callbackUrl=https%3A%2F%2Fevil.example%2F",
    });
    const verdict = await checkAuthRequest(req, ["callback", "credentials"]);
    expect("refused" in verdict && verdict.refused.status).toBe(400);
  });
});
