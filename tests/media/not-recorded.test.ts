// A visitor who declines recording consent stays in the call but nothing of theirs reaches the recorder: the movie
// shows their name tile marked "not recorded", and nothing they sent. The recording is written by the recorder's
// manifest writer (the consent line too) with the consenting participant's real track files; the movie is made by
// the compositor and read back with ffmpeg.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unrecordedTileColor } from "@/lib/compositing/filter-graph";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import { readMovieContent } from "@/tests/support/media/movie-content";
import {
  colorDistance,
  frameAt,
  hexColor,
  meanColor,
  SyntheticRecording,
  T0,
  TWO_PERSON_MEDIA,
  writeCameraPerson,
} from "@/tests/support/media/synthetic-recording";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const SECONDS = 4;
const W = 1280;
const H = 720;
const dir = mkdtempSync(path.join(tmpdir(), "vhd-not-recorded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasFfmpeg)("a participant who declined recording consent", () => {
  it("is a 'not recorded' name tile: the consenting one's colour and tone are in the movie, none of theirs", async () => {
    const [ann, ben] = TWO_PERSON_MEDIA;
    const rec = path.join(dir, "declined");
    const m = new SyntheticRecording();
    writeCameraPerson(m, rec, ann, SECONDS);
    // Ben is in the call sending his colour and tone, but declined: the recorder has only the consent line of his.
    m.consent("visitor:ben", "Ben", "declined", 0);
    m.writeManifest(rec);
    const out = path.join(dir, "declined.mp4");
    const result = await composeRecording({
      recordingDir: rec,
      manifestText: m.text(),
      spans: [{ fromMs: T0, toMs: T0 + SECONDS * 1000 }],
      output: { width: W, height: H },
      outFile: out,
    });
    expect(result.durationMs).toBe(SECONDS * 1000);

    // Read back from the movie: Ann's colour fills the first grid cell and her tone is heard; Ben's are nowhere.
    const content = readMovieContent(out, [ann, ben]);
    expect(content).toMatchObject({ width: W, height: H });
    expect(content.tiles.map((t) => [t.label, t.tile])).toEqual([
      ["ann", 0],
      ["ben", -1],
    ]);
    const tones = Object.fromEntries(content.tones.map((t) => [t.label, t]));
    expect(tones.ann.secondsWithTone).toBeGreaterThanOrEqual(0.7 * tones.ann.seconds);
    expect(tones.ben.secondsWithTone).toBe(0);
    expect(tones.ben.meanAmplitude).toBeLessThan(0.001);

    // Ben's cell (the second of the two-person grid) is his greyed name-tile colour above and below the label,
    // with the white label across its middle.
    const tile = result.segments[0].tiles.find((t) => t.participantId === "visitor:ben")!;
    expect(tile).toMatchObject({ x: W / 2, hasVideo: false, unrecorded: true });
    for (const seconds of [1, 3]) {
      const frame = frameAt(out, seconds, W, H);
      const band = (y: number) => meanColor(frame, W, { x: tile.x, y, w: tile.w, h: Math.round(tile.h / 5) });
      for (const [where, colour] of [
        ["top", band(tile.y)],
        ["bottom", band(tile.y + tile.h - Math.round(tile.h / 5))],
      ] as const) {
        expect(
          colorDistance(colour, hexColor(unrecordedTileColor("visitor:ben"))),
          `${where} of Ben's tile at ${seconds} s: ${colour}`,
        ).toBeLessThan(12);
        expect(colorDistance(colour, ben.rgb)).toBeGreaterThan(100);
      }
      let white = 0;
      for (let y = tile.y + tile.h / 2 - 20; y < tile.y + tile.h / 2 + 20; y++) {
        for (let x = tile.x; x < tile.x + tile.w; x++) if (Math.min(...frame.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)) > 200) white++;
      }
      expect(white, "the label's white text across the middle of Ben's tile").toBeGreaterThan(500);
    }
  }, 120_000);
});
