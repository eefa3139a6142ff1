// Who saw what: every playback and download link issued, live view and delete of a recording is in its access trail
// (who, role, when, client IP, user agent), shown to admins on the Recordings page and exported as CSV; agents see
// no access log, and another agent's recordings not at all.
import { expect, test } from "@playwright/test";
import { signIn } from "@/tests/support/e2e/agent-session";
import { call, makeActors, setUp } from "@/tests/support/e2e/authz-fixtures";

test("play, download, live view and delete are in the access trail, on the page and in the CSV export", async ({ browser, baseURL }) => {
  test.setTimeout(420_000);
  const actors = await makeActors(baseURL!);
  const finished = await setUp(actors, "finished");
  const id = finished.recordingId;
  expect((await call(actors, "agent1", "GET", `/api/recordings/${id}/playback`)).status()).toBe(302);
  expect((await call(actors, "admin", "GET", `/api/recordings/${id}/playback?download=1`)).status()).toBe(302);
  // Another agent does not see agent1's recording at all (RECORDINGS_VISIBLE_TO=handled), and nothing is written.
  expect((await call(actors, "agent2", "GET", `/api/recordings/${id}/playback`)).status()).toBe(404);

  // A live view: the playlist is handed out once the first window exists; reloads add no further entries.
  const running = await setUp(actors, "recording");
  await expect
    .poll(async () => (await call(actors, "agent1", "GET", `/api/recordings/${running.recordingId}/live.m3u8`)).status(), {
      // The live composer works through its queue; this suite leaves a dozen recordings running before this spec.
      timeout: 180_000,
      intervals: [1000],
    })
    .toBe(200);
  await call(actors, "agent1", "GET", `/api/recordings/${running.recordingId}/live.m3u8`);

  const trail = async (recordingId: string) =>
    (await (await call(actors, "admin", "GET", `/api/recordings/${recordingId}/access`)).json()).entries as {
      action: string;
      actorUsername: string;
      actorRole: string;
      clientIp: string;
      userAgent: string;
    }[];
  expect((await trail(running.recordingId)).map((e) => [e.action, e.actorUsername])).toEqual([["live-view", "agent1"]]);
  const seen = await trail(id);
  expect(seen.map((e) => [e.action, e.actorUsername, e.actorRole]).reverse()).toEqual([
    ["play", "agent1", "agent"],
    ["download", "admin", "admin"],
  ]);
  expect(seen[0]).toMatchObject({ clientIp: "127.0.0.1", userAgent: expect.stringContaining("Mozilla/5.0") });
  // Agents do not read the trail.
  expect((await call(actors, "agent1", "GET", `/api/recordings/${id}/access`)).status()).toBe(403);

  // The admin opens the access log of the recording on the Recordings page.
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await signIn(page, "admin", "admin-pass");
  await page.goto("/console/recordings");
  const row = page.locator(`[data-recording-id="${id}"]`);
  await row.getByRole("button", { name: "Access log" }).click();
  const log = page.getByTestId("access-trail");
  await expect(log.getByTestId("access-entry")).toHaveCount(2);
  await expect(log.locator('[data-action="play"]')).toContainText("agent1");
  await expect(log.locator('[data-action="download"]')).toContainText("admin");
  await page.screenshot({ path: test.info().outputPath("access-log.png") });

  // Deleting is written too, before the movie goes.
  expect((await call(actors, "agent1", "DELETE", `/api/recordings/${id}`)).status()).toBe(200);
  expect((await trail(id))[0]).toMatchObject({ action: "delete", actorUsername: "agent1" });

  // The CSV export (the page's link) holds every entry of both recordings.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export access log (CSV)" }).click(),
  ]);
  const csv = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
  const rows = csv.trim().split("\r\n");
  expect(rows[0]).toBe("at,recordingId,action,detail,actorUsername,actorRole,actorId,clientIp,userAgent");
  for (const [recordingId, action, who] of [
    [id, "play", "agent1"],
    [id, "download", "admin"],
    [id, "delete", "agent1"],
    [running.recordingId, "live-view", "agent1"],
  ]) {
    expect(
      rows.some((r) => r.includes(`,${recordingId},${action},`) && r.includes(`,${who},`)),
      `${action} by ${who}`,
    ).toBe(true);
  }

  expect((await call(actors, "agent1", "DELETE", `/api/meeting-points/${running.meetingPointId}/recording`)).status()).toBe(200);

  // An agent's Recordings page has no access log.
  const agentPage = await (await browser.newContext()).newPage();
  await signIn(agentPage, "agent1", "agent1-pass");
  await agentPage.goto("/console/recordings");
  await expect(agentPage.getByTestId("recordings-table")).toBeVisible();
  await expect(agentPage.getByRole("button", { name: "Access log" })).toHaveCount(0);
  await expect(agentPage.getByRole("link", { name: "Export access log (CSV)" })).toHaveCount(0);
});
