// The server process itself: bad configuration stops start-up with one line naming the variable.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ["--import", "tsx", "entrypoints/web.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("start-up configuration", () => {
  it.each([
    ["DATABASE_URL", "nonsense"],
    ["PORT", "not-a-port"],
    ["S3_ENDPOINT", "ftp://nowhere"],
  ])("%s=%s stops start-up with a one-line message naming it", (variable, value) => {
    const result = start({ [variable]: value });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid environment variable ${variable}: `));
    expect(result.stdout).toBe("");
  });

  // A production server on the network once accepted admin/admin-pass from the README.
  it("production beyond loopback refuses to start while seeded accounts have the README passwords", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "vhd-startup-"));
    try {
      const result = start({ NODE_ENV: "production", HOST: "0.0.0.0", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "error" });
      expect(result.status).toBe(1);
      // Node may print the AWS SDK's warning about Node 20 first; the refusal is one line, no stack.
      const lines = result.stderr
        .trim()
        .split("\n")
        .filter((line) => line.startsWith("Refusing"));
      expect(lines).toHaveLength(1);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(lines[0]).toMatch(/^Refusing to listen on 0\.0\.0\.0 in production: agent1, agent2, admin still accept/);
      expect(lines[0]).toContain("SEED_AGENT1_PASSWORD, SEED_AGENT2_PASSWORD, SEED_ADMIN_PASSWORD");
      // Only the admin's password set: the others still refuse it, naming only theirs.
      const partial = start({
        NODE_ENV: "production",
        HOST: "0.0.0.0",
        PORT: "0",
        DATA_DIR: dataDir,
        LOG_LEVEL: "error",
        SEED_ADMIN_PASSWORD: "a-strong-admin-pw",
      });
      expect(partial.status).toBe(1);
      expect(partial.stderr).toContain("agent1, agent2 still accept");
      expect(partial.stderr).not.toContain("SEED_ADMIN_PASSWORD");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
