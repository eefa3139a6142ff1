// Seeded generators of hostile HTTP requests for the REST fuzz spec, plus API-only agent sign-in.
// Routes are discovered from app/api at test time, so a new route is fuzzed without editing this file.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { fakeUuid, fuzzString, fuzzValueJson, int, pick, type Rng } from "@/tests/support/fuzz-values";

export type Segment = { kind: "static"; value: string } | { kind: "param"; name: string } | { kind: "catchAll"; name: string };

export interface ApiRoute {
  file: string;
  pattern: string; // e.g. /api/recordings/[id]
  segments: Segment[];
  methods: string[]; // the HTTP methods the route file exports
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
/** The server's body limit (server/platform/http/json.ts MAX_BODY_BYTES). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Every route.ts under `apiDir`, with the methods it exports (`export async function GET`, `export { x as POST }`). */
export function discoverRoutes(apiDir: string): ApiRoute[] {
  const routes: ApiRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.(ts|tsx|js|mjs)$/.test(entry.name)) {
        const source = readFileSync(full, "utf8");
        const methods = HTTP_METHODS.filter(
          (m) =>
            new RegExp(`export\\s+(async\\s+)?(function|const)\\s+${m}\\b`).test(source) ||
            new RegExp(`export\\s*\\{[^}]*\\bas\\s+${m}\\b`).test(source),
        );
        const parts = path.relative(path.dirname(apiDir), path.dirname(full)).split(path.sep);
        const segments = parts.map((p): Segment => {
          const catchAll = /^\[\[?\.\.\.(\w+)\]?\]$/.exec(p);
          if (catchAll) return { kind: "catchAll", name: catchAll[1]! };
          const param = /^\[(\w+)\]$/.exec(p);
          return param ? { kind: "param", name: param[1]! } : { kind: "static", value: p };
        });
        routes.push({ file: path.relative(path.dirname(path.dirname(apiDir)), full), pattern: `/${parts.join("/")}`, segments, methods });
      }
    }
  };
  walk(apiDir);
  return routes.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

/** Every byte percent-encoded, so lone surrogates, NULs and slashes reach the server as a browser would send them. */
const encodeBytes = (s: string) => Array.from(Buffer.from(s), (b) => `%${b.toString(16).padStart(2, "0")}`).join("");

// No bare "." or "..": the client resolves them away before sending, so they would test other paths.
const JUNK_SEGMENTS = [
  "%ff",
  "%E0%A4%A",
  "%",
  "%00",
  "%2e%2e",
  "a%2fb",
  "%252e",
  "__proto__",
  "constructor",
  "prototype",
  "x".repeat(3000),
];
const AUTH_ACTIONS = [
  "session",
  "csrf",
  "providers",
  "signin",
  "signin/credentials",
  "signout",
  "callback/credentials",
  "error",
  "_log",
  "verify-request",
  "callback/nope",
];

function pathFor(rng: Rng, route: ApiRoute, knownIds: readonly string[]): string {
  const parts = route.segments.map((seg) => {
    if (seg.kind === "static") return seg.value;
    const r = rng();
    if (seg.kind === "catchAll") {
      if (r < 0.6) return pick(rng, AUTH_ACTIONS);
      return r < 0.8 ? pick(rng, JUNK_SEGMENTS) : encodeBytes(fuzzString(rng).slice(0, 200)) || "x";
    }
    if (r < 0.35 && knownIds.length) return pick(rng, knownIds);
    if (r < 0.6) return fakeUuid(rng);
    if (r < 0.7)
      return pick(rng, ["00000000-0000-0000-0000-000000000000", fakeUuid(rng).toUpperCase(), ` ${fakeUuid(rng)}`, `${fakeUuid(rng)}x`]);
    if (r < 0.85) return pick(rng, JUNK_SEGMENTS);
    return encodeBytes(fuzzString(rng).slice(0, 200)) || "x";
  });
  return `/${parts.join("/")}`;
}

function queryFor(rng: Rng): string {
  const r = rng();
  if (r < 0.4) return "";
  const pairs = Array.from({ length: 1 + int(rng, 5) }, () => {
    const key = pick(rng, [
      "ticketId",
      "limit",
      "download",
      "__proto__",
      "__proto__[polluted]",
      "constructor[prototype][polluted]",
      "callbackUrl",
      "error",
      "x",
      fuzzString(rng).slice(0, 40),
    ]);
    const value =
      rng() < 0.5
        ? pick(rng, ["1", "0", "-1", "201", "1e308", "NaN", "true", "[]", "{}", fakeUuid(rng), "https://evil.example/"])
        : fuzzString(rng).slice(0, 300);
    return `${encodeBytes(key)}=${rng() < 0.5 ? encodeBytes(value) : value.replace(/[\s#&]/g, (c) => encodeBytes(c))}`;
  });
  if (rng() < 0.1) pairs.push(`junk=${"%41".repeat(2000)}`); // long but under Node's 16 KB header limit
  return `?${pairs.join("&")}`;
}

const PLAUSIBLE: Record<string, () => Record<string, unknown>> = {
  title: () => ({ title: "fuzz room" }),
  destination: () => ({ destination: "https://rec2.example.com/whip" }),
  action: () => ({ action: "pause" }),
  name: () => ({ name: "Fuzz Camera" }),
  keep: () => ({ keep: true, layout: "grid" }),
};
export const POLLUTING_BODIES = [
  `{"__proto__":{"polluted":"yes","name":"POLLUTED","title":"POLLUTED","isAdmin":true}}`,
  `{"constructor":{"prototype":{"polluted":"yes","name":"POLLUTED"}}}`,
  `{"name":"x","__proto__":{"name":"POLLUTED"}}`,
  `{"prototype":{"polluted":"yes"}}`,
  `[{"__proto__":{"polluted":"yes"}}]`,
];

function bodyFor(rng: Rng): { body: string | Buffer; huge: boolean } {
  const r = rng();
  const plausible = pick(rng, Object.values(PLAUSIBLE))();
  if (r < 0.15) return { body: JSON.stringify(plausible), huge: false };
  if (r < 0.35) {
    const fields = Object.keys(plausible).map(
      (k) => `${JSON.stringify(k)}:${rng() < 0.6 ? fuzzValueJson(rng) : JSON.stringify(plausible[k])}`,
    );
    if (rng() < 0.3) fields.push(`${JSON.stringify(fuzzString(rng))}:${fuzzValueJson(rng)}`);
    return { body: `{${fields.join(",")}}`, huge: false };
  }
  if (r < 0.5) return { body: fuzzValueJson(rng), huge: false };
  if (r < 0.6) return { body: pick(rng, POLLUTING_BODIES), huge: false };
  if (r < 0.72) {
    const valid = JSON.stringify(plausible);
    return {
      body: pick(rng, [
        valid.slice(0, int(rng, valid.length)),
        `${valid}}`,
        `\ufeff${valid}`,
        "{'title':'x'}",
        '{"title":NaN}',
        '{"a":1,}',
        "{",
        "]",
        "\u0000",
        `${valid}${valid}`,
        '{"title":"\\ud800"}',
        '{"title":"\\u0000"}',
      ]),
      huge: false,
    };
  }
  if (r < 0.8) return { body: Buffer.from(Array.from({ length: int(rng, 4096) }, () => int(rng, 256))), huge: false };
  if (r < 0.86) {
    const levels = 1000 + int(rng, 20_000); // deep but under the body limit
    return {
      body: rng() < 0.5 ? "[".repeat(levels) + "]".repeat(levels) : `${'{"a":'.repeat(levels / 2)}1${"}".repeat(levels / 2)}`,
      huge: false,
    };
  }
  if (r < 0.9) return { body: JSON.stringify({ title: "😀\u202e\u0000مرحبا".repeat(1 + int(rng, 2000)) }), huge: false };
  // Over the limit: from just past it to a megabyte.
  const size = pick(rng, [MAX_BODY_BYTES + 1, MAX_BODY_BYTES + 1 + int(rng, 200_000), 1024 * 1024]);
  return { body: JSON.stringify({ title: "a".repeat(size) }), huge: true };
}

const CONTENT_TYPES = [
  "application/json",
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "application/jsonx",
  "application/json; charset=utf-16",
];

export interface Actor {
  name: "anonymous" | "visitor" | "agent";
  request: APIRequestContext;
  /** Headers this actor always sends (a visitor's bearer token). */
  headers: Record<string, string>;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  huge: boolean;
  route: ApiRoute;
}

/** One hostile request against `route`: mostly an exported method, sometimes another one. */
export function fuzzRequest(rng: Rng, route: ApiRoute, origin: string, knownIds: readonly string[]): FuzzRequest {
  const method = rng() < 0.85 && route.methods.length ? pick(rng, route.methods) : pick(rng, HTTP_METHODS);
  const headers: Record<string, string> = {};
  const o = rng();
  // Mostly same-origin so the CSRF check passes and bodies are really parsed; some refused cross-site ones.
  if (o < 0.7) headers.origin = origin;
  else if (o < 0.8) headers.origin = pick(rng, ["https://evil.example", "null", "not a url", "http://localhost"]);
  else if (o < 0.85) headers["sec-fetch-site"] = "cross-site";
  let body: string | Buffer | undefined;
  let huge = false;
  if (method !== "GET" && method !== "HEAD" && rng() < 0.9) {
    ({ body, huge } = bodyFor(rng));
    headers["content-type"] = pick(rng, CONTENT_TYPES);
  }
  return { method, url: pathFor(rng, route, knownIds) + queryFor(rng), headers, body, huge, route };
}

/** Signs an agent in through next-auth's credentials endpoint; returns the error code next-auth reports, or null. */
export async function apiLogin(
  request: APIRequestContext,
  username: string,
  password: string,
): Promise<{ status: number; error: string | null }> {
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, username, password, json: "true" },
    maxRedirects: 0,
  });
  const { url } = (await response.json()) as { url: string };
  return { status: response.status(), error: new URL(url).searchParams.get("error") };
}
