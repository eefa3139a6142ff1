// The client's address, for per-client limits. Behind a reverse proxy (TRUST_PROXY=true) the proxy appends the
// address it was connected from to X-Forwarded-For, so the right-most entry is the one it vouches for; entries to
// its left were sent by the client and can say anything (the left-most one was the old, forgeable choice).

export interface ClientAddress {
  forwardedFor?: string | string[];
  remoteAddress?: string;
  trustProxy: boolean;
}

/** "::ffff:1.2.3.4" (IPv4 through an IPv6 socket) → "1.2.3.4", so one client has one key. */
function plain(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
}

export function clientIp(a: ClientAddress): string {
  if (a.trustProxy && a.forwardedFor) {
    const header = Array.isArray(a.forwardedFor) ? a.forwardedFor.join(",") : a.forwardedFor;
    const hops = header
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    const nearest = hops.at(-1);
    if (nearest && nearest.length <= 64) return plain(nearest);
  }
  return a.remoteAddress ? plain(a.remoteAddress) : "unknown";
}
