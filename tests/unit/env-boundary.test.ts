// Only lib/config/env.ts reads the environment; everything else receives parsed settings, and nobody writes it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = ["app", "components", "lib", "server", "recorder", "entrypoints"];
const ALLOWED = new Set(["lib/config/env.ts"]);
// Generated code (Prisma client) is not ours to change.
const SKIPPED_DIRS = new Set(["node_modules", "generated", ".next"]);

function sources(dir: string): string[] {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : sources(full);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(e.name) ? [full] : [];
  });
}

/** `process.env`, `process["env"]`, `const { env } = process` and `import { env } from "node:process"`. */
function environmentAccesses(text: string): string[] {
  const patterns = [
    /\bprocess\s*(?:\?\.|\.)\s*env\b/g,
    /\bprocess\s*\[\s*["'`]env["'`]\s*\]/g,
    /\{[^}]*\benv\b[^}]*\}\s*=\s*(?:globalThis\.)?process\b/g,
    /import\s*\{[^}]*\benv\b[^}]*\}\s*from\s*["'](?:node:)?process["']/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[0]));
}

describe("environment boundary", () => {
  it("recognises the ways code reaches the environment", () => {
    expect(environmentAccesses("const u = process.env.NEXTAUTH_URL;")).toHaveLength(1);
    expect(environmentAccesses('process.env["X"] = "1";')).toHaveLength(1);
    expect(environmentAccesses("const { env } = process;")).toHaveLength(1);
    expect(environmentAccesses('import { env } from "node:process";')).toHaveLength(1);
    expect(environmentAccesses('const e = process["env"];')).toHaveLength(1);
    expect(environmentAccesses("const env = loadEnv(); process.exit(1);")).toEqual([]);
  });

  it("no file but lib/config/env.ts reads or writes process.env", () => {
    const offending = SCANNED.flatMap((dir) => sources(path.join(ROOT, dir)))
      .map((file) => ({ file: path.relative(ROOT, file).split(path.sep).join("/"), hits: environmentAccesses(readFileSync(file, "utf8")) }))
      .filter(({ file, hits }) => hits.length > 0 && !ALLOWED.has(file))
      .map(({ file, hits }) => `${file}: ${hits.join(", ")}`);
    expect(offending).toEqual([]);
  });
});
