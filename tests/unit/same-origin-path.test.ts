// After sign-in the browser goes where callbackUrl says: every value a browser would read as another
// origin falls back; same-site paths are kept as the browser would resolve them.
import { describe, expect, it } from "vitest";
import { sameOriginPath } from "@/lib/security/same-origin-path";
import { sameSiteRedirect } from "@/server/platform/auth/next-auth-options";

const OFF_SITE = [
  "//evil.example",
  "//evil.example/x",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "\t//evil.example",
  "https://evil.example/console",
  "http:evil.example",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/.//evil.example",
  "/x/..//evil.example",
];

// Encoded separators stay encoded in the path: the browser asks this site for them.
const ON_SITE: [string, string][] = [
  ["/console", "/console"],
  ["/console/tickets/42?tab=chat#top", "/console/tickets/42?tab=chat#top"],
  ["/%5Cevil.example", "/%5Cevil.example"],
  ["/%09/evil.example", "/%09/evil.example"],
  ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ["console", "/console"],
];

describe("sameOriginPath (login form callbackUrl)", () => {
  it.each(OFF_SITE)("%j falls back", (value) => {
    expect(sameOriginPath(value, "/console")).toBe("/console");
  });

  it.each(ON_SITE)("%j stays on the site as %j", (value, expected) => {
    expect(sameOriginPath(value, "/console")).toBe(expected);
  });

  it("every answer, resolved by a browser against the site, stays on the site", () => {
    for (const value of [...OFF_SITE, ...ON_SITE.map(([v]) => v)]) {
      expect(new URL(sameOriginPath(value, "/console"), "https://desk.example").origin).toBe("https://desk.example");
    }
  });

  it("nothing given: the fallback", () => {
    expect(sameOriginPath(null, "/console")).toBe("/console");
    expect(sameOriginPath("", "/console")).toBe("/console");
  });
});

describe("sameSiteRedirect (next-auth's redirect callback) uses the same rule", () => {
  it.each(OFF_SITE)("%j never leaves the site", (value) => {
    expect(new URL(sameSiteRedirect(value), "https://desk.example").origin).toBe("https://desk.example");
  });

  it("an absolute URL on the site keeps its path", () => {
    expect(sameSiteRedirect("https://desk.example/.//evil.example")).toBe("/");
    expect(sameSiteRedirect("https://desk.example/console?x=1")).toBe("/console?x=1");
  });
});
