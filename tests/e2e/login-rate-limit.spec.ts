// Login rate limiting as implemented in server/platform/auth/login.ts with lib/security/rate-limiter.ts: failures are
// counted in a sliding window per username (trimmed, lower-cased) and per client IP; once a key holds its
// limit every attempt is refused with RATE_LIMITED before the password is even checked (so the right
// password is refused too); refused attempts are not counted; a successful login clears its username's count.
//
// The window-dependent part runs against a second server of the same build with an 8 s window and small
// limits (on an OS-assigned port, own data folder): locking a seeded account on the shared e2e server would
// lock it for 15 minutes for every later spec. The shared server is only used to check the default limit.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { apiLogin } from "@/tests/support/e2e/fuzz-requests";

const WINDOW_SECONDS = 8;
const PER_USER = 3;
const PER_IP = 6;

let server: ChildProcess | undefined;
let dataDir: string | undefined;
let strictURL = "";
let serverErrors = "";

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), "vhd-login-limit-"));
  strictURL = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ["dist/server.mjs"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
      LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
      LOGIN_MAX_FAILURES_PER_IP: String(PER_IP),
    },
  });
  server.stderr!.on("data", (chunk: Buffer) => void (serverErrors = (serverErrors + chunk.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    server!.once("exit", (code) => reject(new Error(`server exited ${code}: ${serverErrors}`))),
  );
  const ready = (async () => {
    for (const deadline = Date.now() + 100_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      const ok = await fetch(`${strictURL}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
    }
    throw new Error(`server not healthy in time: ${serverErrors}`);
  })();
  await Promise.race([ready, exited]);
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A login attempt with a fresh cookie jar: "ok", "INVALID_CREDENTIALS", or "RATE_LIMITED" with its retry-after seconds. */
async function attempt(baseURL: string, username: string, password: string): Promise<{ result: string; retryAfter?: number }> {
  const context: APIRequestContext = await playwrightRequest.newContext({ baseURL });
  try {
    const { status, error } = await apiLogin(context, username, password);
    if (error === null) {
      expect(status).toBe(200);
      const session = await (await context.get("/api/auth/session")).json();
      expect(session.user?.username).toBe(username.trim().toLowerCase()); // really signed in
      return { result: "ok" };
    }
    const limited = /^RATE_LIMITED:(\d+)$/.exec(error);
    return limited ? { result: "RATE_LIMITED", retryAfter: Number(limited[1]) } : { result: error };
  } finally {
    await context.dispose();
  }
}

/** Retries the right password until it is accepted; refused retries are not counted, so polling is harmless. */
async function loginOnceWindowPasses(username: string, password: string): Promise<number> {
  const deadline = Date.now() + (WINDOW_SECONDS + 5) * 1000;
  for (;;) {
    const { result } = await attempt(strictURL, username, password);
    if (result === "ok") return Date.now();
    expect(result).toBe("RATE_LIMITED");
    expect(Date.now(), `${username} still refused after the window`).toBeLessThan(deadline);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("wrong passwords lock one username, even against the right password, until the window passes", async () => {
  test.setTimeout(60_000);
  const firstFailure = Date.now();
  for (let i = 0; i < PER_USER; i++)
    expect(await attempt(strictURL, "agent1", "wrong-password")).toEqual({ result: "INVALID_CREDENTIALS" });

  const locked = await attempt(strictURL, "agent1", "agent1-pass");
  expect(locked.result).toBe("RATE_LIMITED");
  expect(locked.retryAfter).toBeGreaterThanOrEqual(1);
  expect(locked.retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  // The key is the normalised username: case and spaces do not get around it.
  expect((await attempt(strictURL, "  AGENT1 ", "agent1-pass")).result).toBe("RATE_LIMITED");
  // Another username from the same client is unaffected (the per-IP count, 3 of 6, is below its limit).
  expect((await attempt(strictURL, "agent2", "agent2-pass")).result).toBe("ok");

  const unlockedAt = await loginOnceWindowPasses("agent1", "agent1-pass");
  expect(unlockedAt - firstFailure).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000);

  // A successful login cleared agent1's count: PER_USER - 1 new failures do not lock it.
  for (let i = 0; i < PER_USER - 1; i++) expect((await attempt(strictURL, "agent1", "nope")).result).toBe("INVALID_CREDENTIALS");
  expect((await attempt(strictURL, "agent1", "agent1-pass")).result).toBe("ok");
});

test("failures across many usernames lock the client's IP for every username", async () => {
  test.setTimeout(60_000);
  // Sent at once so all of them land inside the short window even on a loaded machine (one attempt costs a
  // password hash). Failures of the previous test may still count, so some may already be refused.
  const batch = await Promise.all(Array.from({ length: PER_IP }, (_, i) => attempt(strictURL, `nobody-${i}-${Date.now()}`, "guess")));
  expect(
    batch.every((r) => r.result === "INVALID_CREDENTIALS" || r.result === "RATE_LIMITED"),
    JSON.stringify(batch),
  ).toBe(true);
  expect((await attempt(strictURL, `nobody-last-${Date.now()}`, "guess")).result).toBe("RATE_LIMITED");
  // Unknown usernames count like real ones (no hint of which accounts exist), and the IP lock covers agent2 too.
  expect((await attempt(strictURL, "agent2", "agent2-pass")).result).toBe("RATE_LIMITED");
  await loginOnceWindowPasses("agent2", "agent2-pass");
});

test("the production defaults refuse the 11th attempt for a username (shared e2e server)", async ({ baseURL }) => {
  // An unknown username, so no account of the shared server is locked; this spends 10 of the 50 failures
  // the default per-IP limit allows in 15 minutes from 127.0.0.1, shared by all specs of the run.
  const username = `ghost-${Date.now()}`;
  for (let i = 0; i < 10; i++) expect((await attempt(baseURL!, username, `guess-${i}`)).result).toBe("INVALID_CREDENTIALS");
  const refused = await attempt(baseURL!, username, "guess-10");
  expect(refused.result).toBe("RATE_LIMITED");
  expect(refused.retryAfter).toBeGreaterThan(14 * 60); // the default window is 15 minutes
});
