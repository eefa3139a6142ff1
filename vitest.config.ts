import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Integration tests share one database server per file. Vitest runs files one at a time on these 2 cores (its
    // default is cores - 1 workers; two at once failed tests on timeouts under load: see the platform notes).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One worker process runs file after file with the modules it loaded: starting a fresh one per file cost about
    // 2.5 s a file (300 s of a 940 s pass); the integration suite's 45 files took 474 s for 469 s of tests without.
    // Each file still makes its own servers, databases and folders, and closes them in afterAll.
    isolate: false,
  },
});
