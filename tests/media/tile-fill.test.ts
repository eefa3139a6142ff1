// What people see in the movie: a 4:3 camera fills its whole grid cell (cropped at the centre, no bands), while a
// shared screen is shown whole (all four of its corners visible). Movies made by the compositor from recordings
// written by the recorder's manifest writer; pixels read back with ffmpeg.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fitInside } from "@/lib/compositing/filter-graph";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import {
  colorDistance,
  frameAt,
  makeAudio,
  makeVideo,
  meanColor,
  SyntheticRecording,
  T0,
  TWO_PERSON_MEDIA,
  writeTwoPersonRecording,
} from "@/tests/support/media/synthetic-recording";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const W = 1280;
const H = 720;
const dir = mkdtempSync(path.join(tmpdir(), "vhd-tile-fill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasFfmpeg)("tiles in the movie", () => {
  it("a 4:3 camera fills its cell of the two-person grid to the edges", async () => {
    const rec = path.join(dir, "grid");
    const written = writeTwoPersonRecording(rec, 4);
    const out = path.join(dir, "grid.mp4");
    const result = await composeRecording({
      recordingDir: rec,
      manifestText: written.text(),
      spans: [{ fromMs: T0, toMs: T0 + 4000 }],
      outFile: out,
    });
    expect(result.durationMs).toBe(4000);
    const frame = frameAt(out, 2, W, H);
    for (const tile of result.segments.at(-1)!.tiles) {
      const sent = TWO_PERSON_MEDIA.find((m) => `agent:${m.label}` === tile.participantId)!;
      // Strips along all four edges of the cell, 4 % in: a letterboxed camera shows band colour there.
      const band = (x: number, y: number, w: number, h: number) => meanColor(frame, W, { x, y, w, h }, 0);
      const inset = Math.round(Math.min(tile.w, tile.h) * 0.04);
      const strips = {
        top: band(tile.x + inset, tile.y + inset, tile.w - 2 * inset, 6),
        bottom: band(tile.x + inset, tile.y + tile.h - inset - 6, tile.w - 2 * inset, 6),
        left: band(tile.x + inset, tile.y + inset, 6, tile.h - 2 * inset),
        right: band(tile.x + tile.w - inset - 6, tile.y + inset, 6, tile.h - 2 * inset),
      };
      for (const [edge, colour] of Object.entries(strips)) {
        expect(colorDistance(colour, sent.rgb), `${sent.label}'s ${edge} edge is their camera, not a band (${colour})`).toBeLessThan(45);
      }
    }
  }, 60_000);

  it("a shared screen is shown whole: its four corners are in the movie", async () => {
    const rec = path.join(dir, "share");
    const m = new SyntheticRecording();
    m.session("cam", "agent:ann", "ANN", "camera", 0);
    const camera = m.track("cam", "video", 0, 4000, { width: 320, height: 240 });
    const voice = m.track("cam", "audio", 0, 4000);
    m.session("scr", "agent:ann:screen", "ANN (screen)", "screen", 0);
    // A 16:10 screen, each quadrant its own colour.
    const screen = m.track("scr", "video", 0, 4000, { width: 640, height: 400 });
    m.end("cam", 4000);
    m.end("scr", 4000);
    makeVideo(path.join(rec, camera.file), "color=c=0x808080:s=320x240:r=25", 4);
    makeAudio(path.join(rec, voice.file), "sine=f=440:r=48000", 4);
    makeVideo(
      path.join(rec, screen.file),
      "color=c=red:s=640x400:r=25,drawbox=x=320:y=0:w=320:h=200:c=lime:t=fill,drawbox=x=0:y=200:w=320:h=200:c=blue:t=fill," +
        "drawbox=x=320:y=200:w=320:h=200:c=yellow:t=fill",
      4,
    );
    m.writeManifest(rec);
    const out = path.join(dir, "share.mp4");
    const result = await composeRecording({
      recordingDir: rec,
      manifestText: m.text(),
      spans: [{ fromMs: T0, toMs: T0 + 4000 }],
      outFile: out,
    });
    const seg = result.segments.at(-1)!;
    expect(seg.layout).toBe("screen-share");
    const tile = seg.tiles.find((t) => t.source === "screen")!;
    const fit = fitInside(640, 400, tile.w, tile.h);
    const x0 = tile.x + Math.floor((tile.w - fit.w) / 4) * 2;
    const y0 = tile.y + Math.floor((tile.h - fit.h) / 4) * 2;
    const frame = frameAt(out, 2, W, H);
    const corner = (fx: number, fy: number) =>
      meanColor(frame, W, { x: Math.round(x0 + fx * fit.w) - 6, y: Math.round(y0 + fy * fit.h) - 6, w: 12, h: 12 }, 0);
    const near = 0.04;
    expect(colorDistance(corner(near, near), [255, 0, 0])).toBeLessThan(60);
    expect(colorDistance(corner(1 - near, near), [0, 255, 0])).toBeLessThan(60);
    expect(colorDistance(corner(near, 1 - near), [0, 0, 255])).toBeLessThan(60);
    expect(colorDistance(corner(1 - near, 1 - near), [255, 255, 0])).toBeLessThan(60);
  }, 60_000);
});
