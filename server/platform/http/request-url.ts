// Next's route handlers answer a path with malformed percent-encoding (`/api/recordings/%ff`) with a bare 500,
// and a %00 in a query value would reach PostgreSQL. Such URLs are refused before Next sees them.

/** Why the URL is unacceptable, or null when it is fine. */
export function badRequestUrl(url: string | undefined): string | null {
  const [pathname = "/", query = ""] = (url ?? "/").split("?", 2);
  try {
    if (decodeURIComponent(pathname).includes("\u0000")) return "the path contains U+0000";
  } catch {
    return "malformed percent-encoding in the path";
  }
  for (const [key, value] of new URLSearchParams(query)) {
    if (key.includes("\u0000") || value.includes("\u0000")) return "the query contains U+0000";
  }
  return null;
}
