// The security headers as Next will apply them: the rules next.config.js returns, validated and compiled by
// Next's own custom-route code (the same step `next build` runs), then matched against real paths.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, nextHeaderRules, securityHeaders } from "@/server/platform/http/security-headers.mjs";

const require = createRequire(import.meta.url);
// next.config.js is plain JS (allowJs is off), so it is loaded by URL and typed here.
type NextConfigFactory = (phase: string) => { headers: () => Promise<Rule[]> };
const nextConfig: NextConfigFactory = (await import(new URL("../../next.config.js", import.meta.url).href)).default;
type Rule = { source: string; headers: { key: string; value: string }[]; regex: string };
const loadCustomRoutes = require("next/dist/lib/load-custom-routes.js").default as (config: object) => Promise<{ headers: Rule[] }>;
const { buildCustomRoute } = require("next/dist/lib/build-custom-route.js") as { buildCustomRoute: (type: string, route: Rule) => Rule };

/** The headers Next sends for a path (later rules override earlier ones with the same key, as in Next). */
async function headersFor(path: string, phase = "phase-production-build"): Promise<Record<string, string>> {
  const config = nextConfig(phase);
  const loaded = await loadCustomRoutes({ ...config, basePath: "", trailingSlash: false, i18n: null });
  const result: Record<string, string> = {};
  for (const rule of loaded.headers.map((r) => buildCustomRoute("header", r))) {
    if (!new RegExp(rule.regex).test(path)) continue;
    for (const { key, value } of rule.headers) result[key.toLowerCase()] = value;
  }
  return result;
}

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(";").map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe("security headers", () => {
  it("give every page the CSP, nosniff, referrer and permissions policies, and deny framing", async () => {
    for (const path of [
      "/",
      "/login",
      "/console",
      "/console/recordings",
      "/demo/widget",
      "/api/meeting-points",
      "/_next/static/chunks/x.js",
      "/visitors",
    ]) {
      const headers = await headersFor(path);
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      expect(headers["permissions-policy"], path).toBe("camera=(self), microphone=(self), display-capture=(self)");
      expect(headers["x-frame-options"], path).toBe("SAMEORIGIN");
      expect(directives(headers["content-security-policy"]!).get("frame-ancestors"), path).toEqual(["'self'"]);
    }
  });

  it("let any site frame /visit (the widget's iframe) with camera and microphone, and no X-Frame-Options", async () => {
    const headers = await headersFor("/visit");
    expect(headers["x-frame-options"]).toBeUndefined();
    expect(directives(headers["content-security-policy"]!).get("frame-ancestors")).toEqual(["*"]);
    expect(headers["permissions-policy"]).toMatch(/camera=\(self\).*microphone=\(self\)/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
  });

  it("permit what the app loads and nothing executable from elsewhere", () => {
    const csp = directives(contentSecurityPolicy());
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("script-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get("connect-src")).toEqual(["'self'", "ws:", "wss:", "http:", "https:"]);
    expect(csp.get("media-src")).toEqual(["'self'", "blob:", "http:", "https:"]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:", "blob:", "http:", "https:"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'self'"]);
    expect(directives(contentSecurityPolicy({ dev: true })).get("script-src")).toContain("'unsafe-eval'");
  });

  it("adds 'unsafe-eval' only on the development server", async () => {
    expect((await headersFor("/console"))["content-security-policy"]).not.toContain("unsafe-eval");
    expect((await headersFor("/console", "phase-development-server"))["content-security-policy"]).toContain("'unsafe-eval'");
  });

  it("take a list of embedding sites and narrower storage origins", () => {
    const embeddable = securityHeaders({ embeddable: true, frameAncestors: ["https://shop.example", "https://*.partner.example"] });
    const csp = directives(embeddable.find((h) => h.key === "Content-Security-Policy")!.value);
    expect(csp.get("frame-ancestors")).toEqual(["https://shop.example", "https://*.partner.example"]);
    const other = securityHeaders({ frameAncestors: ["https://shop.example"] });
    expect(directives(other[0]!.value).get("frame-ancestors")).toEqual(["'self'"]);
    const narrow = directives(
      contentSecurityPolicy({ connectSources: ["http://127.0.0.1:9000"], mediaSources: ["http://127.0.0.1:9000"] }),
    );
    expect(narrow.get("connect-src")).toEqual(["'self'", "ws:", "wss:", "http://127.0.0.1:9000"]);
    expect(narrow.get("media-src")).toEqual(["'self'", "blob:", "http://127.0.0.1:9000"]);
    expect(nextHeaderRules().map((r) => r.source)).toEqual(["/:path((?!visit$).*)", "/visit"]);
  });
});
