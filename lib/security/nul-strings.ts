// PostgreSQL text cannot hold U+0000 (error 22021), so a NUL anywhere in client input would surface as a 500
// deep in a query. Refused at the edge instead, for every field at once.

/** The path of the first string (key or value) containing U+0000, or null. Bounded depth: input is already size-limited. */
export function findNulString(value: unknown, path: string[] = [], depth = 0): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path.join(".") || "payload" : null;
  if (!value || typeof value !== "object" || depth > 32) return null;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes("\u0000")) return [...path, "(key)"].join(".");
    const found = findNulString(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}
