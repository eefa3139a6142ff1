// Cross-site request forgery guard for cookie-authenticated, state-changing routes.
// The agent session cookie (next-auth) is already SameSite=Lax, so browsers leave it off cross-site POSTs;
// this is the second layer, for browsers or set-ups where Lax does not hold (same-site sibling hosts,
// old browsers, a cookie set with other attributes by a proxy). It relies on headers a page cannot forge:
// Sec-Fetch-Site (Fetch Metadata) and Origin. Requests with neither come from non-browser clients (curl,
// server-to-server, Playwright's API context), which carry no ambient cookies to abuse, so they pass.

/** The headers the check reads; a Fetch API Headers object or next/headers' ReadonlyHeaders fits. */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface SameOriginOptions {
  /** Origins also accepted, e.g. PUBLIC_URL's when a proxy rewrites Host ("https://desk.example.com"). */
  allowedOrigins?: readonly string[];
}

export type SameOriginResult = { ok: true } | { ok: false; reason: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether a method changes state and so needs the check (GET/HEAD/OPTIONS must not, by HTTP's rules). */
export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Refuses a browser request made from another site: Sec-Fetch-Site "cross-site", or an Origin whose host is
 * neither the request's Host nor one of allowedOrigins' hosts. "same-site" (a sibling subdomain) is judged by
 * Origin, which browsers always send on non-GET requests. Origin "null" (sandboxed frames, file: pages) is
 * refused: such a page has no business changing an agent's data.
 */
export function checkSameOrigin(headers: HeaderSource, options: SameOriginOptions = {}): SameOriginResult {
  const fetchSite = headers.get("sec-fetch-site")?.toLowerCase();
  if (fetchSite === "cross-site") return { ok: false, reason: "cross-site request refused" };
  const origin = headers.get("origin");
  if (origin === null) return { ok: true };
  const originHost = hostOf(origin);
  if (!originHost) return { ok: false, reason: `request origin ${JSON.stringify(origin)} refused` };
  const accepted = new Set<string>();
  const host = headers.get("host");
  if (host) accepted.add(host.toLowerCase());
  for (const allowed of options.allowedOrigins ?? []) {
    const allowedHost = hostOf(allowed);
    if (allowedHost) accepted.add(allowedHost);
  }
  if (accepted.has(originHost)) return { ok: true };
  return { ok: false, reason: `request origin ${origin} is not this site` };
}
