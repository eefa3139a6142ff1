// Recording through the public HTTP API, with a WHIP client that is not our app: a page that only knows
// the standard (POST an SDP offer with a bearer token, apply the answer, DELETE the Location to stop).
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { publishWhip } from "@/tools/whip-publish";
import { agentRequest } from "@/tests/support/e2e/agent-session";
import { publishFromPage, whipConnectionState } from "@/tests/support/e2e/whip-page";

test("an external WHIP source publishes into a recording created through the API", async ({ browser, page, request }) => {
  const alice = await agentRequest(browser, "agent1", "agent1-pass");
  const bob = await agentRequest(browser, "agent2", "agent2-pass");
  const mp = await (await alice.post("/api/meeting-points", { data: { title: "Recorded" } })).json();

  expect((await request.post(`/api/meeting-points/${mp.id}/recording`)).status()).toBe(401);
  expect((await bob.post(`/api/meeting-points/${mp.id}/recording`)).status()).toBe(403);
  expect((await alice.post(`/api/meeting-points/${mp.id}/recording/publishers`, { data: { name: "Lobby camera" } })).status()).toBe(409);

  const started = await alice.post(`/api/meeting-points/${mp.id}/recording`);
  expect(started.status()).toBe(201);
  const { recordingId, status } = await started.json();
  expect(status).toBe("armed"); // the call has not started: armed until it does
  expect((await alice.post(`/api/meeting-points/${mp.id}/recording`)).status()).toBe(409);

  expect((await bob.post(`/api/meeting-points/${mp.id}/recording/publishers`, { data: { name: "x" } })).status()).toBe(403);
  const credential = await (
    await alice.post(`/api/meeting-points/${mp.id}/recording/publishers`, { data: { name: "Lobby camera" } })
  ).json();
  expect(credential).toMatchObject({
    recordingId,
    whipUrl: expect.stringContaining(`/whip/${recordingId}`),
    token: expect.stringMatching(/^wp1\./),
  });

  // A minimal standard WHIP client, run in a plain page.
  await page.goto("/api/health");
  const location = await publishFromPage(page, credential);
  await expect.poll(() => whipConnectionState(page), { timeout: 15_000 }).toBe("connected");
  await page.waitForTimeout(5000);
  expect((await page.request.delete(location, { headers: { authorization: `Bearer ${credential.token}` } })).status()).toBe(200);

  const stopped = await alice.delete(`/api/meeting-points/${mp.id}/recording`);
  expect(await stopped.json()).toEqual({ recordingId, status: "stopped" });
  expect((await alice.delete(`/api/meeting-points/${mp.id}/recording`)).status()).toBe(409);

  const details = await (await alice.get(`/api/recordings/${recordingId}`)).json();
  expect(details).toMatchObject({ id: recordingId, meetingPointId: mp.id, participants: [{ displayName: "Lobby camera" }] });
  expect(["stopped", "processing", "ready"]).toContain(details.status); // compositing starts at once
  const files = details.sessions[0].files.filter((f: { name: string }) => /\.(webm|mkv)$/.test(f.name));
  expect(files.map((f: { name: string }) => f.name).join(" ")).toMatch(/audio.*video|video.*audio/);

  // The raw files decode cleanly and hold the media that was sent (~5 s).
  const dir = path.join(
    process.env.E2E_DATA_DIR!,
    "recordings",
    recordingId,
    details.sessions[0].participantId,
    details.sessions[0].sessionId,
  );
  for (const file of files) {
    const full = path.join(dir, file.name);
    const decode = spawnSync("ffmpeg", ["-v", "error", "-i", full, "-f", "null", "-"], { encoding: "utf8" });
    expect(decode.stderr, file.name).toBe("");
    const duration = Number(
      execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", full], { encoding: "utf8" }),
    );
    expect(duration, file.name).toBeGreaterThan(4);
    expect(duration, file.name).toBeLessThan(8);
  }

  // Recordings are for agents only; a visitor token cannot read them.
  expect((await request.get(`/api/recordings/${recordingId}`)).status()).toBe(401);
});

test("a Node WHIP publisher (werift + ffmpeg, not a browser) publishes audio+video into a recording created through the API", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const alice = await agentRequest(browser, "agent1", "agent1-pass");
  const mp = await (await alice.post("/api/meeting-points", { data: { title: "Studio camera" } })).json();
  const { recordingId } = await (await alice.post(`/api/meeting-points/${mp.id}/recording`)).json();
  const credential = await (
    await alice.post(`/api/meeting-points/${mp.id}/recording/publishers`, { data: { name: "Studio camera" } })
  ).json();
  const result = await publishWhip({
    url: credential.whipUrl,
    token: credential.token,
    seconds: 5,
    icePortRange: [44900, 44949],
    rtpPortRange: [44950, 44999],
  });
  expect(result.status).toBe(201);
  expect(result.deleteStatus).toBe(200);
  await alice.delete(`/api/meeting-points/${mp.id}/recording`);

  const details = await (await alice.get(`/api/recordings/${recordingId}`)).json();
  expect(details.participants).toEqual([expect.objectContaining({ displayName: "Studio camera" })]);
  const session = details.sessions[0];
  const dir = path.join(process.env.E2E_DATA_DIR!, "recordings", recordingId, session.participantId, session.sessionId);
  const media = session.files.filter((f: { name: string }) => /\.(webm|mkv)$/.test(f.name)).map((f: { name: string }) => f.name);
  expect(media.join(" ")).toMatch(/audio/);
  expect(media.join(" ")).toMatch(/video/);
  for (const name of media) {
    const file = path.join(dir, name);
    expect(spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { encoding: "utf8" }).stderr, name).toBe("");
    const duration = Number(
      execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file], { encoding: "utf8" }),
    );
    expect(duration, name).toBeGreaterThan(4);
    expect(duration, name).toBeLessThan(7);
  }
});
