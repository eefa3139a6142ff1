// The whole production app with STORAGE_BACKEND=azure (issue 14): one node (tests/support/e2e/azure-node.ts) stores
// its recordings in a fresh Azurite container it creates itself. A real call is recorded twice; the first movie is
// played through a SAS link (206 on a Range request), downloaded and checked for each participant's colour and
// tone, matched against its evidence record, then deleted; the second expires by the retention sweep while the
// first, kept, stays. What the container holds is read with Azure's own SDK, not through the app.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { AZURE_NODE_PORTS, type AzureNode, SERVER_ENTRY, startAzureNode } from "@/tests/support/e2e/azure-node";
import { downloadAndProbe } from "@/tests/support/e2e/cluster/media-checks";
import { agreeToRecording, currentRecordingId, openCall } from "@/tests/support/e2e/help-desk-call";
import { expectMovieContent } from "@/tests/support/media/movie-content";

test.skip(!existsSync(SERVER_ENTRY), `${SERVER_ENTRY} is missing: this test runs the production build (npm run build)`);

// Short enough to watch a recording expire, long enough to mark the first one "keep" as soon as it is ready.
const RETENTION_SECONDS = 30;
let azure: AzureNode;

test.use({ baseURL: `http://127.0.0.1:${AZURE_NODE_PORTS.node}` });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  azure = await startAzureNode({
    RECORDING_RETENTION_DAYS: String(RETENTION_SECONDS / 86_400),
    RETENTION_SWEEP_INTERVAL_SECONDS: "2",
    JOBS_POLL_INTERVAL_SECONDS: "1",
  });
});

// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook asks for from this pattern
test.afterEach(async ({}, testInfo) => {
  if (!azure) return;
  await testInfo.attach(`${azure.node.name}.log`, { path: azure.node.logFile });
  if (testInfo.status !== testInfo.expectedStatus) console.log(`azure node log:\n${azure.node.tail(80)}`);
});

test.afterAll(async () => {
  await azure?.stop();
});

/** Start recording, the visitor agrees, both publish for `seconds`, Stop; resolves with the ready recording's id. */
async function record(agent: Page, visitor: Page, seconds: number): Promise<string> {
  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  for (const page of [agent, visitor])
    await expect(page.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  const recordingId = await currentRecordingId(agent);
  await agent.waitForTimeout(seconds * 1000);
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveCount(0);
  await expect
    .poll(
      async () => {
        const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
        if (details.status === "failed") throw new Error(`the recording failed: ${JSON.stringify(details)}`);
        return details.status as string;
      },
      { message: "the recording becomes ready", timeout: 90_000, intervals: [500] },
    )
    .toBe("ready");
  return recordingId;
}

test("a call recorded into Azurite: SAS playback with Range, content, evidence, delete and expiry", async ({ browser }) => {
  test.setTimeout(300_000);
  const { visitor, agent, contexts, sent } = await openCall(browser, { visitorName: "Azra Azure", colourAndTone: true });
  const container = azure.container.containerName;
  const movieOf = (id: string) => `recordings/${id}/movie.mp4`;

  const played = await record(agent, visitor, 8);
  // Retention counts from "ready": kept at once, it must outlive the sweep that expires the second one.
  expect((await agent.request.patch(`/api/recordings/${played}`, { data: { keep: true } })).status()).toBe(200);
  const expiring = await record(agent, visitor, 4);
  expect(await azure.blobs(`recordings/${expiring}/`), "the second movie is stored").toContain(movieOf(expiring));

  const health = await (await agent.request.get("/api/health")).json();
  expect(health.storage, "the node reports its storage").toMatchObject({ backend: "azure", bucket: container, ok: true });
  expect(await azure.container.exists(), "the node created its container").toBe(true);
  expect(await azure.blobs(`recordings/${played}/`)).toContain(movieOf(played));

  // Playback redirects to a read-only SAS link on Azurite itself, which serves byte ranges.
  const redirect = await agent.request.get(`/api/recordings/${played}/playback`, { maxRedirects: 0 });
  expect(redirect.status()).toBe(302);
  const link = redirect.headers().location!;
  expect(link.startsWith(`${azure.azurite.endpoint}/${container}/${movieOf(played)}?`), link).toBe(true);
  expect(new URL(link).searchParams.get("sig"), "a SAS signature").toBeTruthy();
  const range = await fetch(link, { headers: { range: "bytes=0-99" } });
  expect(range.status).toBe(206);
  expect((await range.arrayBuffer()).byteLength).toBe(100);
  expect(range.headers.get("content-range")).toMatch(/^bytes 0-99\/\d+$/);
  expect((await fetch(link.replace(/sig=[^&]+/, "sig=forged"))).status, "a forged SAS").toBe(403);

  // The download link's movie holds both participants: each one's colour in their tile, their tone in the audio.
  const movieDir = test.info().outputPath("movie");
  mkdirSync(movieDir, { recursive: true });
  const movie = await downloadAndProbe(agent.request, played, movieDir);
  expect(movie.streams).toEqual(["audio", "video"]);
  expect(movie.durationSeconds).toBeGreaterThan(6);
  const content = expectMovieContent(movie.file, sent, { minToneShare: 0.6 });
  console.log(`movie ${movie.durationSeconds.toFixed(2)} s: ${JSON.stringify({ tiles: content.tiles.map((t) => [t.label, t.tile]) })}`);

  // Its evidence record names the bytes just downloaded from the container (written after "ready": polled).
  const movieKey = movieOf(played);
  const bytes = readFileSync(movie.file);
  await expect
    .poll(
      async () => {
        const evidence = await (await agent.request.get(`/api/recordings/${played}/evidence`)).json();
        return evidence.records.at(-1)?.record.objects.find((o: { key: string }) => o.key === movieKey) ?? null;
      },
      { message: "the evidence record lists the movie", timeout: 30_000 },
    )
    .toEqual({ key: movieKey, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length });

  // The second one, not kept, is expired by the sweep: status and blobs; the kept one stays.
  await expect
    .poll(async () => (await (await agent.request.get(`/api/recordings/${expiring}`)).json()).status, {
      message: "the unkept recording expires",
      timeout: (RETENTION_SECONDS + 30) * 1000,
      intervals: [1000],
    })
    .toBe("expired");
  await expect.poll(() => azure.blobs(`recordings/${expiring}/`), { message: "nothing left of the expired one" }).toEqual([]);
  expect((await (await agent.request.get(`/api/recordings/${played}`)).json()).status, "the kept one is not expired").toBe("ready");
  expect(await azure.blobs(`recordings/${played}/`), "the kept movie stays").toContain(movieKey);

  // Deleted through the API: nothing left under its prefix, and the SAS link no longer serves it.
  expect((await agent.request.delete(`/api/recordings/${played}`)).status()).toBe(200);
  expect((await (await agent.request.get(`/api/recordings/${played}`)).json()).status).toBe("deleted");
  await expect.poll(() => azure.blobs(`recordings/${played}/`), { message: "nothing left of the deleted one" }).toEqual([]);
  expect((await fetch(link, { headers: { range: "bytes=0-99" } })).status, "the old SAS link").toBe(404);

  for (const c of contexts) await c.close();
});
