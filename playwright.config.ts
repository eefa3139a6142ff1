import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { chromiumArgs, chromiumPath } from "@/tests/support/e2e/chromium";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const BASE_URL = `http://localhost:${PORT}`;
// Each run starts from an empty data folder: a fresh embedded database and object store, freshly seeded.
// Exported through the environment so worker processes (which load this file again) use the same folder.
const dataDir = (process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), "vhd-e2e-")));

export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  // One retry in CI only: WebRTC timing on a loaded 2-core machine. A test that passes on retry is
  // reported as flaky in the summary line (scripts/test-summary.mjs), never silently as a pass.
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromiumPath,
      args: chromiumArgs(),
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    command: "node --enable-source-maps dist/server.mjs",
    url: `${BASE_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: process.env.E2E_LOG_LEVEL ? "pipe" : "ignore",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(PORT),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
      // Every test's visitors come from 127.0.0.1: the per-address limits (tests/integration/anonymous-flooding.test.ts)
      // are raised so that the suite's few hundred visitor sessions fit.
      RATE_LIMIT_VISITOR_TOKENS: "2000",
      RATE_LIMIT_TICKETS_PER_IP: "2000",
      MAX_VISITOR_CONNECTIONS_PER_IP: "500",
    },
  },
});
