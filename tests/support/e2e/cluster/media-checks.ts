// What the two-node test checks on media: remote video that really plays, and a stored movie ffprobe accepts.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

/** Decoded frames of the page's first remote video so far. */
const decodedFrames = (page: Page) =>
  page
    .getByTestId("remote-video")
    .first()
    .evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);

/** The remote video has a size and keeps decoding new frames (so media still flows now). */
export async function expectVideoPlaying(page: Page, what: string): Promise<void> {
  const video = page.getByTestId("remote-video").first();
  await expect(video, `${what}: remote video shown`).toBeVisible({ timeout: 20_000 });
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { message: `${what}: video has a size`, timeout: 20_000 })
    .toBeGreaterThan(0);
  const before = await decodedFrames(page);
  await expect.poll(() => decodedFrames(page), { message: `${what}: frames keep arriving`, timeout: 10_000 }).toBeGreaterThan(before + 10);
}

export interface ProbedMovie {
  file: string;
  durationSeconds: number;
  streams: string[];
}

/**
 * Downloads a ready recording through the link the API redirects to (a presigned S3 link, or the app's own
 * signed media path with the embedded store), as a browser would follow it, and asks ffprobe what it holds.
 */
export async function downloadAndProbe(request: APIRequestContext, recordingId: string, dir: string): Promise<ProbedMovie> {
  const redirect = await request.get(`/api/recordings/${recordingId}/playback?download=1`, { maxRedirects: 0 });
  expect(redirect.status(), "playback answers with a redirect to the object store").toBe(302);
  const link = redirect.headers().location!;
  // A path: the app serves the movie itself (embedded store), to the agent's session; else a presigned S3 link.
  const movie = link.startsWith("/")
    ? await request.get(link).then(async (r) => ({ status: r.status(), bytes: await r.body() }))
    : await fetch(link).then(async (r) => ({ status: r.status, bytes: Buffer.from(await r.arrayBuffer()) }));
  expect(movie.status, `GET ${link}`).toBe(200);
  const file = path.join(dir, `${recordingId}.mp4`);
  writeFileSync(file, movie.bytes);
  const probe = JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", file], {
      encoding: "utf8",
    }),
  ) as { format: { duration: string }; streams: { codec_type: string }[] };
  return { file, durationSeconds: Number(probe.format.duration), streams: probe.streams.map((s) => s.codec_type).sort() };
}
