// The server process itself: bad configuration stops start-up with one line naming the variable.
import { spawnSync } from "node:child_process";
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
});
