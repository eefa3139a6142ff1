import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// lib/compositing is the pure core: it must run (and be tested) without ffmpeg, a server, a database or WebRTC.
const ALLOWED = [/^@\/lib\/compositing\//, /^@\/lib\/recording-manifest\//, /^node:path$/, /^zod$/];
const dir = path.resolve(import.meta.dirname, "../../../lib/compositing");

describe("lib/compositing module boundary", () => {
  it("imports only its own files, the manifest contract, node:path and zod, and every file stays short", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(path.join(dir, f), "utf8");
      const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*)["']([^"']+)["']/g)].map((m) => m[1]);
      for (const s of specifiers)
        expect(
          ALLOWED.some((re) => re.test(s)),
          `${f} imports ${s}`,
        ).toBe(true);
      expect(text.split("\n").length, `${f} is too long`).toBeLessThanOrEqual(320);
    }
  });
});
