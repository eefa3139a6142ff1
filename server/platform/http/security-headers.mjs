// Security headers for every response Next serves (pages, route handlers, static chunks).
// Plain ESM JavaScript, not TypeScript: next.config.js imports it, and Next loads that config with Node's own
// import() both at `next build` and when the custom server starts, so it cannot import .ts. Types live in
// security-headers.d.mts. Socket.IO (/socket.io/) and WHIP (/whip/*) are answered by the web process (server/composition-root-http.ts) before Next
// and keep their own headers (WHIP has its own CORS).

/** The page the widget (public/widget.js) embeds in an iframe on other sites: the only framable page. */
export const EMBEDDABLE_PATH = "/visit";

/**
 * The Content-Security-Policy value.
 * - script-src 'unsafe-inline': Next's App Router streams the RSC payload as inline <script> tags
 *   (self.__next_f.push) on every page. Nonces would need a per-request proxy (middleware) and make every page
 *   dynamic; hashes cannot cover streamed payloads. 'unsafe-eval' only in development (React's dev tooling).
 * - connect-src: Socket.IO and WHIP on this origin (ws/wss included because 'self' for WebSockets is only
 *   honoured by newer browsers), plus presigned object-storage URLs on another origin (the embedded S3 on a
 *   loopback port, or real S3). Pass connectSources to narrow the http:/https: wildcard.
 * - media-src/img-src: recordings and posters are played from presigned object-storage URLs; blob: for
 *   locally made previews. MediaStreams (getUserMedia, WebRTC) attached via srcObject are not governed by CSP.
 * - frame-ancestors: who may embed this page; 'self' everywhere but the embeddable visitor page.
 * @param {{ frameAncestors?: string[], dev?: boolean, connectSources?: string[], mediaSources?: string[] }} [options]
 * @returns {string}
 */
export function contentSecurityPolicy(options = {}) {
  const frameAncestors = options.frameAncestors?.length ? options.frameAncestors : ["'self'"];
  const remote = ["http:", "https:"];
  const directives = [
    ["default-src", "'self'"],
    ["script-src", "'self'", "'unsafe-inline'", ...(options.dev ? ["'unsafe-eval'"] : [])],
    // React's style={{}} props and next/font emit inline styles.
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:", ...(options.mediaSources ?? remote)],
    ["media-src", "'self'", "blob:", ...(options.mediaSources ?? remote)],
    ["font-src", "'self'", "data:"],
    ["connect-src", "'self'", "ws:", "wss:", ...(options.connectSources ?? remote)],
    ["worker-src", "'self'", "blob:"],
    ["frame-src", "'self'"],
    ["frame-ancestors", ...frameAncestors],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
  ];
  return directives.map((parts) => parts.join(" ")).join("; ");
}

/**
 * The headers for one kind of page. `embeddable` is the widget's iframe target: framable by the sites in
 * frameAncestors (default any site) and without X-Frame-Options, which cannot express an allow-list.
 * Permissions-Policy is the same for both: in the widget's iframe "self" is this help desk's origin, and the
 * embedding page delegates camera/microphone/display-capture with the iframe's allow attribute (widget.js).
 * @param {{ embeddable?: boolean, frameAncestors?: string[], dev?: boolean, connectSources?: string[], mediaSources?: string[] }} [options]
 * @returns {{ key: string, value: string }[]}
 */
export function securityHeaders(options = {}) {
  const { embeddable = false, ...policy } = options;
  const frameAncestors = embeddable ? (policy.frameAncestors?.length ? policy.frameAncestors : ["*"]) : ["'self'"];
  const headers = [
    { key: "Content-Security-Policy", value: contentSecurityPolicy({ ...policy, frameAncestors }) },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(self), microphone=(self), display-capture=(self)" },
  ];
  if (!embeddable) headers.push({ key: "X-Frame-Options", value: "SAMEORIGIN" });
  return headers;
}

/**
 * Entries for next.config's headers(): every path but the embeddable page gets the framing-denied set, the
 * embeddable page its own. The negative lookahead keeps the two sets disjoint, so no header has to be
 * "unset" (Next can only add or override; a stray X-Frame-Options would block the widget).
 * @param {{ frameAncestors?: string[], dev?: boolean, connectSources?: string[], mediaSources?: string[] }} [options]
 * @returns {{ source: string, headers: { key: string, value: string }[] }[]}
 */
export function nextHeaderRules(options = {}) {
  const name = EMBEDDABLE_PATH.slice(1);
  return [
    { source: `/:path((?!${name}$).*)`, headers: securityHeaders({ ...options, embeddable: false }) },
    { source: EMBEDDABLE_PATH, headers: securityHeaders({ ...options, embeddable: true }) },
  ];
}
