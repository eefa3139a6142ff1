// Chapters beside the console's player, from a real recorded call: the agent records, pauses, resumes and changes
// the layout; once the movie is ready its chapter list shows those events, the video carries the same file as a
// chapters track, and pressing a chapter seeks the video to within 1 s of its event (the pause's place in the
// movie, known from the recording's capture spans) and marks it as the current chapter.
import { expect, test } from "@playwright/test";
import { agreeToRecording, currentRecordingId, openCall } from "@/tests/support/e2e/help-desk-call";

const VISITOR_NAME = "Cleo Chapters";

test("the player lists the recording's chapters; pressing one seeks the video to its event", async ({ browser }) => {
  test.setTimeout(240_000);
  const { visitor, agent, contexts } = await openCall(browser, { visitorName: VISITOR_NAME });
  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  await expect(agent.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  await expect(visitor.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  const recordingId = await currentRecordingId(agent);
  await agent.waitForTimeout(3000);
  await agent.getByRole("button", { name: "Pause recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveAttribute("data-status", "paused");
  await agent.waitForTimeout(2000);
  await agent.getByRole("button", { name: "Resume recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveAttribute("data-status", "recording");
  await agent.waitForTimeout(2000);
  await agent.getByLabel("Recording layout").selectOption("active-speaker");
  await agent.waitForTimeout(2500);
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await expect(agent.getByTestId("recording-indicator")).toHaveCount(0);

  await agent.getByRole("link", { name: "Recordings" }).click();
  const row = agent.locator(`[data-testid="recording-row"][data-recording-id="${recordingId}"]`);
  await expect(row).toHaveAttribute("data-status", "ready", { timeout: 150_000 });
  const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
  expect(details.spans).toHaveLength(2);
  // Where the pause is in the movie: the first span's length (the paused stretch is not in it).
  const pauseAtMs = Date.parse(details.spans[0].to) - Date.parse(details.spans[0].from);
  expect(details.chaptersUrl).toBe(`/api/recordings/${recordingId}/chapters`);

  await row.getByRole("button", { name: "Play", exact: true }).click();
  const player = agent.getByTestId("recording-player");
  await expect(player).toHaveAttribute("data-recording-id", recordingId);
  await expect(player.locator('track[kind="chapters"]')).toHaveAttribute("src", details.chaptersUrl);
  await player.evaluate((el) => {
    (el as HTMLVideoElement).muted = true;
  });
  const list = agent.getByRole("navigation", { name: "Chapters" });
  await expect(list).toBeVisible();
  const buttons = list.getByRole("button");
  await expect(buttons.first()).toContainText("Recording started");
  await expect(list).toContainText(`${VISITOR_NAME} agreed to be recorded`);
  await expect(list).toContainText("joined");
  // The pause ended every session and both browsers published again after the resume: nobody left or joined there.
  await expect(list.getByRole("button", { name: `${VISITOR_NAME} joined` })).toHaveCount(1);
  await expect(list).not.toContainText("left");
  await expect(list).toContainText("Layout: active speaker");
  const pause = list.getByRole("button", { name: /Recording paused/ });
  await expect(pause).toHaveCount(1);
  await expect(pause).toContainText("Recording resumed");
  await test.info().attach("recordings page with the player and its chapters", {
    body: await agent.screenshot({ fullPage: true }),
    contentType: "image/png",
  });

  // Let it play past the start, then jump to the pause.
  await agent.waitForTimeout(1000);
  await pause.click();
  await expect(pause).toHaveAttribute("aria-current", "true");
  const seek = await player.evaluate(async (el) => {
    const video = el as HTMLVideoElement;
    if (video.seeking) await new Promise((r) => video.addEventListener("seeked", r, { once: true }));
    return { at: video.currentTime, paused: video.paused, error: video.error?.message ?? null };
  });
  console.log(`pause at ${pauseAtMs} ms in the movie; the video is at ${seek.at.toFixed(3)} s after the click`);
  expect(seek.error).toBeNull();
  expect(Math.abs(seek.at * 1000 - pauseAtMs), "seeked to within 1 s of the pause").toBeLessThan(1000);
  expect(seek.paused, "plays from there").toBe(false);
  await expect(agent.locator('.chapter-button[aria-current="true"]')).toHaveCount(1);
  await test.info().attach("player after pressing the pause chapter", {
    body: await agent.getByTestId("recording-player-panel").screenshot(),
    contentType: "image/png",
  });

  // The first chapter takes it back to the start.
  await buttons.first().click();
  await expect(buttons.first()).toHaveAttribute("aria-current", "true");
  expect(await player.evaluate((el) => (el as HTMLVideoElement).currentTime)).toBeLessThan(1);

  // The same file, as the track and the list read it.
  const vtt = await agent.request.get(details.chaptersUrl);
  expect(vtt.status()).toBe(200);
  expect(vtt.headers()["content-type"]).toBe("text/vtt; charset=utf-8");
  expect(await vtt.text()).toMatch(/^WEBVTT\n\nchapter-1\n00:00:00\.000 --> /);
  for (const c of contexts) await c.close();
});
