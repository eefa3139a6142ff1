// Types for security-headers.mjs (plain JS so next.config.js can import it).
export interface SecurityPolicyOptions {
  /** Sources allowed to frame the embeddable page (default "*"); other pages are always 'self'. */
  frameAncestors?: string[];
  /** Development: adds 'unsafe-eval' for React's dev tooling. */
  dev?: boolean;
  /** Replaces the http:/https: wildcard in connect-src (e.g. the object store's origin). */
  connectSources?: string[];
  /** Replaces the http:/https: wildcard in img-src and media-src. */
  mediaSources?: string[];
}
export interface HeaderEntry {
  key: string;
  value: string;
}
export declare const EMBEDDABLE_PATH: string;
export declare function contentSecurityPolicy(options?: SecurityPolicyOptions): string;
export declare function securityHeaders(options?: SecurityPolicyOptions & { embeddable?: boolean }): HeaderEntry[];
export declare function nextHeaderRules(options?: SecurityPolicyOptions): { source: string; headers: HeaderEntry[] }[];
