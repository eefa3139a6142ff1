// The CSRF guard on agent routes: browsers' cross-site requests refused, same-origin and non-browser ones pass.
import { describe, expect, it } from "vitest";
import { checkSameOrigin, isStateChanging } from "@/server/platform/http/csrf";

const request = (headers: Record<string, string>) => new Headers({ host: "localhost:3100", ...headers });

describe("checkSameOrigin", () => {
  it("passes same-origin browser requests and clients that send neither Origin nor Sec-Fetch-Site", () => {
    expect(checkSameOrigin(request({ origin: "http://localhost:3100", "sec-fetch-site": "same-origin" }))).toEqual({ ok: true });
    expect(checkSameOrigin(request({ origin: "http://LOCALHOST:3100" }))).toEqual({ ok: true });
    expect(checkSameOrigin(request({}))).toEqual({ ok: true });
    expect(checkSameOrigin(request({ "sec-fetch-site": "none" }))).toEqual({ ok: true });
  });

  it("refuses Sec-Fetch-Site cross-site, even without Origin", () => {
    expect(checkSameOrigin(request({ "sec-fetch-site": "cross-site" }))).toMatchObject({ ok: false });
    expect(checkSameOrigin(request({ "sec-fetch-site": "cross-site", origin: "http://localhost:3100" }))).toMatchObject({ ok: false });
  });

  it("refuses an Origin whose host is not the request's", () => {
    for (const origin of ["https://evil.example", "http://localhost:3101", "http://sub.localhost:3100", "null", "not a url"]) {
      const verdict = checkSameOrigin(request({ origin }));
      expect(verdict, origin).toMatchObject({ ok: false });
      if (!verdict.ok) expect(verdict.reason, origin).toContain(origin);
    }
    // A sibling subdomain is "same-site" for Fetch Metadata; Origin still refuses it.
    expect(checkSameOrigin(request({ origin: "https://other.desk.example", "sec-fetch-site": "same-site" }))).toMatchObject({ ok: false });
  });

  it("accepts the public URL's host when a proxy rewrites Host", () => {
    const behindProxy = new Headers({ host: "127.0.0.1:3000", origin: "https://desk.example.com" });
    expect(checkSameOrigin(behindProxy)).toMatchObject({ ok: false });
    expect(checkSameOrigin(behindProxy, { allowedOrigins: ["https://desk.example.com/"] })).toEqual({ ok: true });
    expect(checkSameOrigin(behindProxy, { allowedOrigins: ["https://other.example.com"] })).toMatchObject({ ok: false });
    expect(checkSameOrigin(new Headers({ origin: "https://desk.example.com" }), { allowedOrigins: ["https://desk.example.com"] })).toEqual({
      ok: true,
    });
  });
});

describe("isStateChanging", () => {
  it("is true for methods that change state and false for safe ones", () => {
    expect(["POST", "PATCH", "PUT", "DELETE", "post"].map(isStateChanging)).toEqual([true, true, true, true, true]);
    expect(["GET", "HEAD", "OPTIONS", "get"].map(isStateChanging)).toEqual([false, false, false, false]);
  });
});
