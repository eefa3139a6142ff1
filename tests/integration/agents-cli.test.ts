// `npm run agents`: the command line adds an agent who can then sign in, and refuses what the admin page refuses.
// Runs the real script in a child process against the embedded database on disk (or a scratch PostgreSQL
// database in the PostgreSQL pass), then checks the result through the app's own login.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import { memoryRateLimitStore } from "@/lib/security/rate-limit-store";
import { LoginService } from "@/server/platform/auth/login";
import { openDatabase } from "@/server/platform/database/database";
import { createScratchDatabase } from "@/tests/support/scratch-database";
import { silentLogger } from "@/tests/support/test-database";

const dataDir = mkdtempSync(path.join(tmpdir(), "vhd-agents-cli-"));
let databaseUrl: string | undefined;
let dropScratch = async () => {};

beforeAll(async () => {
  const server = parseEnv(process.env).DATABASE_URL;
  if (server) {
    const scratch = await createScratchDatabase(server, "vhd_cli");
    databaseUrl = scratch.url;
    dropScratch = scratch.drop;
  }
});
afterAll(async () => {
  await dropScratch();
  rmSync(dataDir, { recursive: true, force: true });
});

function agents(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  const run = spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/agents.ts", ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function withDatabase<T>(use: (login: LoginService) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl, poolMax: 1, pgliteDir: path.join(dataDir, "pglite"), logger: silentLogger });
  try {
    return await use(new LoginService(db.prisma, memoryRateLimitStore(60_000), { maxFailuresPerUser: 50, maxFailuresPerIp: 50 }));
  } finally {
    await db.close();
  }
}

describe("npm run agents", () => {
  it("adds an agent who can sign in; lists, deactivates and resets; refuses bad input with a message", { timeout: 180_000 }, async () => {
    const added = agents("add", "Bea", "--name", "Bea Billing", "--skills", "billing", "--password", "bea-password-1");
    expect(added.stderr).toBe("");
    expect(added.stdout).toContain("added bea (agent; skills: billing)");
    expect(added.status).toBe(0);
    expect(await withDatabase((login) => login.login("bea", "bea-password-1", "10.1.0.1"))).toMatchObject({
      ok: true,
      agent: { username: "bea", displayName: "Bea Billing", role: "agent" },
    });

    const listed = agents("list");
    expect(listed.stdout).toMatch(/^bea\tBea Billing\tagent\tactive\tbilling$/m);

    const generated = agents("reset-password", "bea");
    const password = /password: (\S+)/.exec(generated.stdout)?.[1];
    expect(password, generated.stdout).toBeTruthy();
    expect(await withDatabase((login) => login.login("bea", password!, "10.1.0.1"))).toMatchObject({ ok: true });

    expect(agents("deactivate", "bea").status).toBe(0);
    expect(await withDatabase((login) => login.login("bea", password!, "10.1.0.1"))).toMatchObject({ ok: false });

    const lastAdmin = agents("deactivate", "admin");
    expect([lastAdmin.status, lastAdmin.stderr.trim()]).toEqual([
      2,
      "CONFLICT: the last active admin cannot be deactivated or lose the admin role",
    ]);
    const taken = agents("add", "bea", "--name", "Again", "--password", "another-pass-1");
    expect([taken.status, taken.stderr.trim()]).toEqual([2, 'CONFLICT: username "bea" is taken']);
    const usage = agents("promote", "bea");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("Usage: npm run agents");
  });
});
