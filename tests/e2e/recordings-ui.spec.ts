// The recordings library from the agent's side: a real recorded help-desk call becomes a movie; the console's
// Recordings page follows it live to "ready", plays it in the page (seekable), downloads it (checked with
// ffprobe and by its MP4 box order), keeps and deletes it; the presigned link serves Range requests;
// visitors and anonymous callers are refused; the ticket's history lists the recording.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { agreeToRecording, openCall } from "@/tests/support/e2e/help-desk-call";

const VISITOR_NAME = "Rhea Replay";

/** Records about 8 s of the call, stops, closes the ticket; returns the recording's id. */
async function recordCall(agent: Page, visitor: Page): Promise<string> {
  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  for (const page of [agent, visitor]) {
    await expect(page.getByTestId("recording-indicator")).toHaveAttribute("data-status", "recording");
    await expect(page.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  }
  const meetingPointId = await agent.getByTestId("ticket-panel").getAttribute("data-meeting-point");
  const recordingId = (await (await agent.request.get(`/api/meeting-points/${meetingPointId}`)).json()).recording.id as string;
  await agent.waitForTimeout(8000);
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveCount(0);
  await agent.getByRole("button", { name: "Close ticket" }).click();
  await expect(agent.getByTestId("ticket-panel")).toHaveCount(0);
  return recordingId;
}

/**
 * Follows the row (without reloading: updates arrive over the socket) until it is ready. Whenever it is seen
 * processing, the same DOM read must also find its progress bar.
 */
async function waitUntilReady(row: Locator): Promise<string[]> {
  const seen: string[] = [];
  await expect
    .poll(
      async () => {
        const state = await row.evaluate((el) => ({
          status: (el as HTMLElement).dataset.status ?? "",
          progressBar: !!el.querySelector('[data-testid="recording-progress"]'),
        }));
        if (seen.at(-1) !== state.status) seen.push(state.status);
        if (state.status === "processing") expect(state.progressBar, "a processing row shows a progress bar").toBe(true);
        if (state.status === "failed") throw new Error(`the recording failed: ${await row.textContent()}`);
        return state.status;
      },
      { timeout: 120_000, intervals: [200] },
    )
    .toBe("ready");
  return seen;
}

/** Top-level MP4 box types in file order. */
function topLevelBoxes(file: string): string[] {
  const data = readFileSync(file);
  const boxes: string[] = [];
  for (let offset = 0; offset + 8 <= data.length; ) {
    let size = data.readUInt32BE(offset);
    const type = data.toString("latin1", offset + 4, offset + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(offset + 8));
    else if (size === 0) size = data.length - offset;
    expect(size, `box ${type} at ${offset} has a sane size`).toBeGreaterThanOrEqual(8);
    boxes.push(type);
    offset += size;
  }
  return boxes;
}

function mmss(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

test("a recorded call in the Recordings page: live progress, play, seek, download, keep, delete", async ({ browser, request }) => {
  test.setTimeout(240_000);
  const { visitor, agent, contexts } = await openCall(browser, { visitorName: VISITOR_NAME });
  const recordingId = await recordCall(agent, visitor);

  // Input checks and refusals that need no finished movie.
  expect((await request.get("/api/recordings")).status()).toBe(401);
  expect((await agent.request.get("/api/recordings?limit=0")).status()).toBe(400);
  expect((await agent.request.get("/api/recordings?ticketId=nope")).status()).toBe(400);
  expect(await (await agent.request.get("/api/recordings/not-a-uuid/playback")).json()).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  expect((await agent.request.get(`/api/recordings/${recordingId}/playback?download=maybe`, { maxRedirects: 0 })).status()).toBe(400);
  for (const data of [{}, { keep: "yes" }, { keep: true, colour: "red" }, { layout: "mosaic" }]) {
    const res = await agent.request.patch(`/api/recordings/${recordingId}`, { data });
    expect(res.status(), JSON.stringify(data)).toBe(400);
    expect((await res.json()).code).toBe("BAD_REQUEST");
  }

  // The Recordings page, reached from the console's header, follows the recording live until it is ready.
  await agent.getByRole("link", { name: "Recordings" }).click();
  await expect(agent).toHaveURL(/\/console\/recordings$/);
  await expect(agent.getByTestId("recordings-table")).toBeVisible();
  const row = agent.locator(`[data-testid="recording-row"][data-recording-id="${recordingId}"]`);
  await expect(row).toBeVisible();
  const statuses = await waitUntilReady(row);
  console.log(`statuses seen on the page: ${statuses.join(" → ")}`);

  const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
  expect(details).toMatchObject({ id: recordingId, status: "ready", keep: false });
  const durationMs = details.durationMs as number;
  expect(durationMs, "about 8 s were recorded").toBeGreaterThan(6500);
  expect(durationMs).toBeLessThan(14_000);
  await expect(row.getByTestId("recording-duration")).toHaveText(mmss(durationMs));
  await expect(row).toContainText(VISITOR_NAME);
  const listed = await (await agent.request.get(`/api/recordings?ticketId=${details.ticketId}`)).json();
  expect(listed.recordings.map((r: { id: string }) => r.id)).toContain(recordingId);

  // Play in the page: it starts, time advances, the length matches, and seeking works (Range requests).
  await row.getByRole("button", { name: "Play", exact: true }).click();
  const player = agent.getByTestId("recording-player");
  await expect(player).toHaveAttribute("data-recording-id", recordingId);
  const playback = await player.evaluate(async (el) => {
    const video = el as HTMLVideoElement;
    video.muted = true;
    await video.play();
    const deadline = Date.now() + 15_000;
    while (video.readyState < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const readyState = video.readyState;
    const before = video.currentTime;
    await new Promise((r) => setTimeout(r, 2000));
    const after = video.currentTime;
    const seeked = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      video.addEventListener(
        "seeked",
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        { once: true },
      );
      video.currentTime = 5;
    });
    return { readyState, before, after, duration: video.duration, seeked, at: video.currentTime, error: video.error?.message ?? null };
  });
  console.log(`player: ${JSON.stringify(playback)}`);
  expect(playback.error).toBeNull();
  expect(playback.readyState).toBeGreaterThanOrEqual(2);
  expect(playback.after - playback.before, "currentTime advances while playing").toBeGreaterThan(0.5);
  expect(Math.abs(playback.duration * 1000 - durationMs), "player duration vs durationMs").toBeLessThanOrEqual(500);
  expect(playback.seeked, "seeked fires").toBe(true);
  expect(Math.abs(playback.at - 5)).toBeLessThan(0.5);

  // The playback route redirects, never cached, to a signed and expiring link on this site (the embedded store
  // listens on loopback and refuses unsigned requests): it serves byte ranges to an agent, nothing to anyone else.
  const redirect = await agent.request.get(`/api/recordings/${recordingId}/playback`, { maxRedirects: 0 });
  expect(redirect.status()).toBe(302);
  expect(redirect.headers()["cache-control"]).toContain("no-store");
  const link = redirect.headers().location!;
  expect(link).toMatch(new RegExp(`^/api/recordings/${recordingId}/media\\?expires=\\d+&sig=`));
  const range = await agent.request.get(link, { headers: { range: "bytes=0-99" } });
  expect(range.status()).toBe(206);
  expect((await range.body()).length).toBe(100);
  expect(range.headers()["content-range"]).toMatch(/^bytes 0-99\/\d+$/);
  expect((await request.get(link, { headers: { range: "bytes=0-99" } })).status(), "the link alone").toBe(401);
  expect((await agent.request.get(link.replace(/sig=[^&]+/, "sig=forged"))).status(), "a forged signature").toBe(403);
  const expired = link.replace(/expires=\d+/, `expires=${Math.floor(Date.now() / 1000) - 10}`);
  expect((await agent.request.get(expired)).status(), "an expired (re-dated) link").toBe(403);

  // Download from the row: an attachment, H.264 1280x720 + AAC 48 kHz, the recorded length, moov before mdat.
  const [download] = await Promise.all([agent.waitForEvent("download"), row.getByRole("link", { name: "Download" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.mp4$/);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "vhd-movie-")), "movie.mp4");
  await download.saveAs(file);
  const probe = JSON.parse(
    execFileSync(
      "ffprobe",
      ["-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height,sample_rate:format=duration", "-of", "json", file],
      {
        encoding: "utf8",
      },
    ),
  ) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string }[];
    format: { duration: string };
  };
  const video = probe.streams.find((s) => s.codec_type === "video");
  const audio = probe.streams.find((s) => s.codec_type === "audio");
  expect(video).toMatchObject({ codec_name: "h264", width: 1280, height: 720 });
  expect(audio).toMatchObject({ codec_name: "aac", sample_rate: "48000" });
  const fileMs = Number(probe.format.duration) * 1000;
  console.log(`movie: ${(fileMs / 1000).toFixed(2)} s, durationMs ${durationMs}, boxes ${topLevelBoxes(file).join(" ")}`);
  expect(Math.abs(fileMs - durationMs), "file duration vs durationMs").toBeLessThanOrEqual(500);
  const boxes = topLevelBoxes(file);
  expect(boxes).toContain("moov");
  expect(boxes.indexOf("moov"), "moov before mdat (fast start)").toBeLessThan(boxes.indexOf("mdat"));
  const attachment = await agent.request.get(`/api/recordings/${recordingId}/playback?download=1`, { maxRedirects: 0 });
  expect(attachment.status()).toBe(302);
  expect(
    (await agent.request.get(attachment.headers().location!, { headers: { range: "bytes=0-0" } })).headers()["content-disposition"],
  ).toMatch(/^attachment/);

  // Only agents: anonymous callers, the visitor's browser and a visitor token are refused.
  const visitorToken = (await (await request.post("/api/visitor/session", { data: {} })).json()).token as string;
  for (const [who, res] of [
    ["anonymous", await request.get(`/api/recordings/${recordingId}/playback`, { maxRedirects: 0 })],
    ["visitor browser", await visitor.request.get(`/api/recordings/${recordingId}/playback`, { maxRedirects: 0 })],
    [
      "visitor token",
      await request.get(`/api/recordings/${recordingId}/playback`, {
        maxRedirects: 0,
        headers: { authorization: `Bearer ${visitorToken}` },
      }),
    ],
    ["visitor reading the list", await visitor.request.get("/api/recordings")],
  ] as const) {
    expect([401, 403], `${who} is refused`).toContain(res.status());
  }
  expect((await request.delete(`/api/recordings/${recordingId}`)).status()).toBe(401);

  // Keep / Don't keep.
  await row.getByRole("button", { name: "Keep", exact: true }).click();
  await expect(row.getByRole("button", { name: "Don't keep", exact: true })).toBeVisible();
  await expect(row).toContainText("kept");
  expect((await (await agent.request.get(`/api/recordings/${recordingId}`)).json()).keep).toBe(true);
  await row.getByRole("button", { name: "Don't keep", exact: true }).click();
  await expect(row.getByRole("button", { name: "Keep", exact: true })).toBeVisible();
  expect((await (await agent.request.get(`/api/recordings/${recordingId}`)).json()).keep).toBe(false);

  // The ticket's history lists the recording with Play and Download.
  await agent.getByRole("link", { name: "Tickets" }).click();
  await agent.getByTestId("history-row").filter({ hasText: VISITOR_NAME }).first().click();
  const inHistory = agent.getByTestId("history-details").locator(`[data-testid="ticket-recording"][data-recording-id="${recordingId}"]`);
  await expect(inHistory).toHaveAttribute("data-status", "ready");
  await expect(inHistory.getByTestId("recording-duration")).toHaveText(mmss(durationMs));
  await expect(inHistory.getByRole("link", { name: "Download" })).toHaveAttribute(
    "href",
    `/api/recordings/${recordingId}/playback?download=1`,
  );
  await inHistory.getByRole("button", { name: "Play", exact: true }).click();
  await expect(agent.getByTestId("history-details").getByTestId("recording-player")).toHaveAttribute("data-recording-id", recordingId);

  // Delete, confirmed in the browser's dialog: the row says deleted, playback is refused, the old link is dead.
  await agent.goto("/console/recordings");
  let confirmText = "";
  agent.once("dialog", (dialog) => {
    confirmText = dialog.message();
    void dialog.accept();
  });
  await row.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(row).toHaveAttribute("data-status", "deleted");
  expect(confirmText).toMatch(/Delete/);
  await expect(row.getByRole("button", { name: "Play", exact: true })).toHaveCount(0);
  const afterDelete = await agent.request.get(`/api/recordings/${recordingId}/playback`, { maxRedirects: 0 });
  expect(afterDelete.status()).toBe(409);
  expect((await afterDelete.json()).code).toBe("CONFLICT");
  expect((await agent.request.get(link)).status(), "the signed link no longer serves the movie").toBe(409);
  await expect(agent.getByTestId("recordings-table")).toBeVisible();

  for (const c of contexts) await c.close();
});
