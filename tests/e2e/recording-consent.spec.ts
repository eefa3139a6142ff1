// Recording consent in real calls, checked in the movie itself. A visitor who declines stays in the call but no
// trace of their colour or tone is in the movie; one who withdraws mid-call is in it only up to that moment.
import { mkdirSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { downloadAndProbe } from "@/tests/support/e2e/cluster/media-checks";
import { agreeToRecording, currentRecordingId, openCall } from "@/tests/support/e2e/help-desk-call";
import { traceOverTime } from "@/tests/support/media/movie-content";

async function stopAndDownload(agent: Page, recordingId: string) {
  await agent.getByRole("button", { name: "Stop recording" }).click();
  await expect
    .poll(async () => (await (await agent.request.get(`/api/recordings/${recordingId}`)).json()).status, { timeout: 120_000 })
    .toBe("ready");
  mkdirSync(test.info().outputDir, { recursive: true });
  const details = await (await agent.request.get(`/api/recordings/${recordingId}`)).json();
  return { movie: await downloadAndProbe(agent.request, recordingId, test.info().outputDir), details };
}

const seconds = (trace: { second: number; colour: boolean; tone: boolean }[], from: number, to: number) =>
  trace.filter((t) => t.second >= from && t.second < to);

test("a visitor who declines is in the call but not in the movie: no trace of their colour or tone", async ({ browser }) => {
  test.setTimeout(180_000);
  const { visitor, agent, contexts, sent } = await openCall(browser, {
    visitorName: "Dina Declines",
    armBeforeCall: true,
    consent: "declined",
    colourAndTone: true,
    cameraSize: [320, 240],
  });
  // The call goes on: both see each other; the host sees who is not recorded.
  await expect(agent.getByTestId("remote-video")).toBeVisible();
  await expect(agent.getByTestId("consent-badge")).toHaveAttribute("data-consent", "declined");
  await expect(agent.getByTestId("consent-badge")).toContainText("Dina Declines: not recorded");
  await expect(agent.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  await expect(visitor.getByTestId("recording-indicator")).toHaveAttribute("data-status", "recording");
  await expect(visitor.getByTestId("recording-indicator")).not.toHaveAttribute("data-publishing", "publishing");
  const recording = { id: await currentRecordingId(agent) };
  await agent.waitForTimeout(8000);
  const { movie, details } = await stopAndDownload(agent, recording.id);

  expect(details.consents).toEqual([
    expect.objectContaining({ displayName: "Dina Declines", decision: "declined", textSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
  ]);
  expect(details.sessions.map((s: { participantId: string }) => s.participantId.split(":")[0])).toEqual(["agent"]);
  const [agentSent, visitorSent] = sent;
  const agentTrace = traceOverTime(movie.file, agentSent!);
  const visitorTrace = traceOverTime(movie.file, visitorSent!);
  console.log(`declined: agent ${JSON.stringify(agentTrace)}; visitor ${JSON.stringify(visitorTrace)}`);
  const inner = seconds(agentTrace, 3, agentTrace.length - 1);
  expect(inner.filter((t) => t.colour).length, "the agent's colour is in the movie").toBeGreaterThanOrEqual(inner.length - 1);
  expect(inner.filter((t) => t.tone).length, "the agent's tone is in the movie").toBeGreaterThanOrEqual(inner.length - 1);
  expect(
    visitorTrace.filter((t) => t.colour || t.tone),
    "no trace of the visitor's colour or tone",
  ).toEqual([]);
  await agent.getByRole("button", { name: "Close ticket" }).click();
  for (const c of contexts) await c.close();
});

test("a visitor who withdraws mid-call is in the movie only up to that moment", async ({ browser }) => {
  test.setTimeout(180_000);
  const { visitor, agent, contexts, sent } = await openCall(browser, {
    visitorName: "Walt Withdraws",
    colourAndTone: true,
    cameraSize: [320, 240],
  });
  await agent.getByRole("button", { name: "Start recording" }).click();
  await agreeToRecording(visitor);
  for (const page of [agent, visitor]) {
    await expect(page.getByTestId("recording-indicator")).toHaveAttribute("data-publishing", "publishing", { timeout: 20_000 });
  }
  const recording = { id: await currentRecordingId(agent) };
  await visitor.waitForTimeout(7000);
  await visitor.getByRole("button", { name: "Withdraw consent" }).click();
  await expect(visitor.getByTestId("recording-consent")).toHaveAttribute("data-consent", "withdrawn");
  await expect(agent.getByTestId("consent-badge")).toHaveAttribute("data-consent", "withdrawn");
  // The call goes on after the withdrawal.
  await expect(visitor.getByTestId("remote-video")).toBeVisible();
  await agent.waitForTimeout(7000);
  const { movie, details } = await stopAndDownload(agent, recording.id);

  const withdrawn = details.consents.find((c: { decision: string }) => c.decision === "withdrawn");
  const atSecond = (Date.parse(withdrawn.at) - Date.parse(details.startedAt)) / 1000;
  const [agentSent, visitorSent] = sent;
  const visitorTrace = traceOverTime(movie.file, visitorSent!);
  const agentTrace = traceOverTime(movie.file, agentSent!);
  console.log(`withdrawn at ${atSecond.toFixed(2)} s: visitor ${JSON.stringify(visitorTrace)}; agent ${JSON.stringify(agentTrace)}`);
  // Before: the visitor is there (from when their publisher started, about 2 s in); after: no trace at all.
  const before = seconds(visitorTrace, 3, Math.floor(atSecond) - 1);
  expect(before.length).toBeGreaterThanOrEqual(2);
  expect(before.filter((t) => t.colour && t.tone).length, "the visitor is in the movie before withdrawing").toBe(before.length);
  const after = seconds(visitorTrace, Math.ceil(atSecond) + 1, visitorTrace.length);
  expect(after.length).toBeGreaterThanOrEqual(4);
  expect(
    after.filter((t) => t.colour || t.tone),
    "no trace of the visitor after withdrawing",
  ).toEqual([]);
  const agentAfter = seconds(agentTrace, Math.ceil(atSecond) + 1, agentTrace.length - 1);
  expect(agentAfter.filter((t) => t.colour && t.tone).length, "the agent is still recorded").toBeGreaterThanOrEqual(agentAfter.length - 1);
  await agent.getByRole("button", { name: "Close ticket" }).click();
  for (const c of contexts) await c.close();
});
