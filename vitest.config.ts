import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    // Integration tests share one database server per file; files run in parallel on the 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
