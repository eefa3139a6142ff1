// Crash: the app process (with its co-located recorder) is SIGKILLed mid-recording and started again on the
// same data folder. The recording is finalized from its raw files, marked interrupted, and keeps the media
// up to at most 2 s before the kill. Runs its own server instance so the shared one is not disturbed.
import { spawn, spawnSync, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { io } from "socket.io-client";
import { expect, test } from "@playwright/test";
import { publishFromPage, whipConnectionState } from "@/tests/support/e2e/whip-page";

const PORT = Number(process.env.E2E_PORT ?? 3100) + 17;
const URL_ = `http://localhost:${PORT}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "vhd-crash-"));

function startServer(): ChildProcess {
  const child = spawn(process.execPath, ["--enable-source-maps", "dist/server.mjs"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(PORT),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      RECORDER_ICE_PORT_RANGE: "40300-40399",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function healthy(): Promise<void> {
  await expect
    .poll(async () => (await fetch(`${URL_}/api/health`).catch(() => null))?.status ?? 0, { timeout: 60_000, intervals: [250] })
    .toBe(200);
}

let server: ChildProcess | undefined;
test.afterAll(() => {
  server?.kill("SIGTERM");
});

test("SIGKILL mid-recording: on restart the recording is finalized, interrupted, and keeps media up to 2 s before the kill", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  server = startServer();
  await healthy();

  const context = await browser.newContext({ baseURL: URL_ });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill("agent1");
  await page.getByLabel("Password").fill("agent1-pass");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/console$/);
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");

  // The SDK's requests over a Node socket carrying the agent's session.
  const socket = io(URL_, { transports: ["websocket"], extraHeaders: { cookie }, reconnection: false });
  const ask = async (event: string, payload: object) => {
    const reply = await socket.timeout(10_000).emitWithAck(event, payload);
    if (!reply.ok) throw new Error(`${event}: ${reply.code} ${reply.message}`);
    return reply;
  };
  const { meetingPoint } = await ask("mp:create", { title: "Crash" });
  const { recording } = await ask("recording:start", { meetingPointId: meetingPoint.id });
  await ask("mp:host", { meetingPointId: meetingPoint.id });
  const credential = await ask("recording:publish", { meetingPointId: meetingPoint.id, source: "camera" });
  socket.disconnect();

  // A standard WHIP client in a page publishes the fake camera and microphone.
  await page.goto("/api/health");
  await publishFromPage(page, credential);
  await expect.poll(() => whipConnectionState(page), { timeout: 15_000 }).toBe("connected");
  await page.waitForTimeout(6000);

  const killedAt = Date.now();
  server.kill("SIGKILL");
  await new Promise((resolve) => server!.once("exit", resolve));
  server = startServer();
  await healthy();

  const details = await (await context.request.get(`/api/recordings/${recording.id}`)).json();
  expect(details.status).toBe("interrupted");
  expect(details.sessions).toHaveLength(1);
  const session = details.sessions[0];
  expect(session.endReason).toBe("recovered-after-crash");
  const sessionDir = path.join(dataDir, "recordings", recording.id, session.participantId, session.sessionId);
  const media = session.files.filter((f: { name: string }) => /\.(webm|mkv)$/.test(f.name));
  expect(media).toHaveLength(2);
  for (const { name } of media) {
    const file = path.join(sessionDir, name);
    const decode = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" });
    expect(decode.stderr, `${name} decodes cleanly`).toBe("");
    const duration =
      Number(execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file], { encoding: "utf8" })) *
      1000;
    const timing = readFileSync(file.replace(/\.(webm|mkv)$/, ".timing.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const firstArrival = timing.find((l) => l.type === "first-packet").arrivalMs as number;
    const lostMs = killedAt - (firstArrival + duration);
    console.log(`${name}: ${(duration / 1000).toFixed(2)} s kept, media ends ${lostMs} ms before the kill`);
    expect(lostMs, `${name}: media kept up to 2 s before the kill`).toBeLessThanOrEqual(2000);
  }
  // The manifest closes the session too.
  const manifest = readFileSync(path.join(dataDir, "recordings", recording.id, "manifest.jsonl"), "utf8");
  expect(manifest).toMatch(/"type":"session-end"[^\n]*recovered-after-crash/);
  await context.close();
});
