import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../recorder");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

describe("recorder module boundary", () => {
  it("imports only Node built-ins, werift, zod, the manifest contract (@/lib/recording-manifest/…) and files inside recorder/ (imported as @/recorder/…)", () => {
    const offending: string[] = [];
    for (const file of sources(root)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+["']([^"']+)["']/g)) {
        const spec = m[1];
        const ok =
          spec.startsWith("node:") ||
          spec === "werift" ||
          spec === "zod" ||
          spec.startsWith("@/lib/recording-manifest/") ||
          spec.startsWith("@/recorder/");
        if (!ok) offending.push(`${path.relative(root, file)} → ${spec}`);
      }
      if (/\brequire\(|import\(/.test(text)) offending.push(`${path.relative(root, file)} uses require()/import()`);
    }
    expect(offending).toEqual([]);
  });

  it("keeps files small", () => {
    const big = sources(root)
      .filter((f) => readFileSync(f, "utf8").split("\n").length > 320)
      .map((f) => path.relative(root, f));
    expect(big).toEqual([]);
  });
});
