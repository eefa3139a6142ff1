// Where to send someone after sign-in. Prefix checks ("starts with /, not //") miss what browsers
// normalise: `/\evil`, `/%09/evil`, tabs and newlines inside the scheme or slashes. So the value is
// resolved the way a browser would, against a placeholder origin, and kept only if it stays there;
// what is returned is a path that cannot be read as another origin (never `//…` or `/\…`).

// Both schemes: "http:evil.example" is a path on an http site but another origin from an https one.
const PLACEHOLDERS = ["https://same-origin.invalid", "http://same-origin.invalid"];

export function sameOriginPath(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  const paths = new Set(PLACEHOLDERS.map((base) => pathOn(base, value)));
  const [path] = paths;
  if (paths.size !== 1 || path === null || path === undefined) return fallback;
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return fallback;
  return path;
}

function pathOn(base: string, value: string): string | null {
  try {
    const resolved = new URL(value, base);
    return resolved.origin === base ? `${resolved.pathname}${resolved.search}${resolved.hash}` : null;
  } catch {
    return null;
  }
}
