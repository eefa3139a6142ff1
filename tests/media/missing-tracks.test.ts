// A track the manifest names but the compositor cannot read fails the composition: the old compositor left it
// out and made a ready movie with a name tile and silence (every remotely composited movie, when the worker
// fetched only the manifest). Only a track the recorder itself recorded as empty may be left out.
import { mkdtempSync, rmSync, truncateSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { composeRecording, MissingTrackError } from "@/server/recordings/compose/compose-recording";
import { expectMovieContent } from "@/tests/support/media/movie-content";
import { type SyntheticRecording, T0, TWO_PERSON_MEDIA, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";
import { makeVp8Frames, packetizeVp8 } from "@/tests/support/recorder/synthetic-media";

const SECONDS = 4;
const dir = mkdtempSync(path.join(tmpdir(), "missing-tracks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const compose = (rec: string, m: SyntheticRecording, name: string) =>
  composeRecording({
    recordingDir: rec,
    manifestText: m.text(),
    spans: [{ fromMs: T0, toMs: T0 + SECONDS * 1000 }],
    output: { width: 640, height: 360 },
    outFile: path.join(dir, `${name}.mp4`),
  });

describe("tracks the manifest names", () => {
  it("all present: each participant's colour and tone are in the movie", async () => {
    const rec = path.join(dir, "complete");
    const m = writeTwoPersonRecording(rec, SECONDS);
    const result = await compose(rec, m, "complete");
    expect(result.droppedTracks).toEqual([]);
    expectMovieContent(path.join(dir, "complete.mp4"), TWO_PERSON_MEDIA);
  }, 60_000);

  it("a missing audio file fails the composition, naming the file", async () => {
    const rec = path.join(dir, "missing");
    const m = writeTwoPersonRecording(rec, SECONDS);
    const audio = m.lines.find((l) => l.type === "track-start" && l.kind === "audio" && l.sessionId === "ben")!;
    unlinkSync(path.join(rec, (audio as { file: string }).file));
    const failure = await compose(rec, m, "missing").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MissingTrackError);
    expect((failure as MissingTrackError).tracks.map((t) => t.file)).toEqual(["agent:ben/ben/track1-audio.webm"]);
    expect((failure as Error).message).toMatch(/1 recorded track\(s\) missing or unreadable: agent:ben\/ben\/track1-audio\.webm/);
  }, 60_000);

  it("an unreadable (truncated) video file fails the composition", async () => {
    const rec = path.join(dir, "truncated");
    const m = writeTwoPersonRecording(rec, SECONDS);
    truncateSync(path.join(rec, "agent:ann/ann/track0-video.webm"), 16);
    await expect(compose(rec, m, "truncated")).rejects.toBeInstanceOf(MissingTrackError);
  }, 60_000);

  it("a video the recorder recorded empty (no keyframe ever came) is left out, and the rest is composed", async () => {
    const rec = path.join(dir, "empty");
    const m = writeTwoPersonRecording(rec, SECONDS);
    // A third participant whose video never reached a keyframe: the recorder's writer writes no frame.
    m.session("cat", "visitor:cat", "Cat", "camera", 0);
    const { writer, trackId } = m.trackWriter(rec, "cat", "video", "vp8", 0, 7);
    const frames = makeVp8Frames(dir, 1).slice(3, 20); // keyframes at 0 and 25 only
    for (const p of packetizeVp8(frames, { firstSeq: 1, firstTimestamp: 0, ticksPerFrame: 3600 })) writer.onRtp(p);
    await writer.close();
    m.end("cat", SECONDS * 1000);
    const end = m.lines.find((l) => l.type === "track-end" && l.trackId === trackId);
    expect(end).toMatchObject({ frames: 0 });
    const result = await compose(rec, m, "empty");
    expect(result.timeline.sessions.find((s) => s.sessionId === "cat")?.video).toEqual([]);
  }, 60_000);
});
