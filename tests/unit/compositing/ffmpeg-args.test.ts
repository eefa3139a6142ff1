import { describe, expect, it } from "vitest";
import {
  compositeMp4Args,
  compositeWindowArgs,
  concatList,
  joinWindowsArgs,
  posterArgs,
  windowsOf,
  type CompositeRequest,
} from "@/lib/compositing/ffmpeg-args";
import { escapeText, fitInside } from "@/lib/compositing/filter-graph";
import { windowInputs, windowReadNeeds } from "@/lib/compositing/inputs";
import { layoutSegments } from "@/lib/compositing/layout";
import { parseManifest } from "@/lib/compositing/manifest";
import { buildTimeline } from "@/lib/compositing/timeline";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

/** Ann (camera + mic) 0.5-8 s, Ben (mic only) from 2 s; 10 s recording. */
function request(extra: Partial<CompositeRequest> = {}): CompositeRequest {
  const m = new SyntheticRecording();
  m.session("ann", "p-ann", "Ann O'Neil: [host]", "camera", 0);
  m.track("ann", "video", 500, 7500, { width: 640, height: 480 });
  m.track("ann", "audio", 500, 7500);
  m.end("ann", 8000);
  m.session("ben", "p-ben", "Ben", "camera", 2000);
  m.track("ben", "audio", 2000, 8000);
  const timeline = buildTimeline({ events: parseManifest(m.text()).events, range: { fromMs: T0, toMs: T0 + 10_000 } });
  return {
    timeline,
    segments: layoutSegments(timeline),
    width: 1280,
    height: 720,
    fontFile: "/fonts/Dejavu Sans.ttf",
    inputPath: (t) => `/rec/${t.file}`,
    ...extra,
  };
}

/** The values following each occurrence of a flag. */
const after = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe("compositeMp4Args", () => {
  it("opens one input per track piece and places it with a filter shift", () => {
    const cmd = compositeMp4Args(request(), "/out/movie.mp4");
    expect(after(cmd.args, "-i")).toEqual([
      "/rec/p-ann/ann/track0-video.webm",
      "/rec/p-ann/ann/track1-audio.webm",
      "/rec/p-ben/ben/track0-audio.webm",
    ]);
    expect(after(cmd.args, "-t").slice(0, 3)).toEqual(["7.500", "7.500", "8.000"]);
    expect(cmd.args.filter((a) => a === "-ss")).toHaveLength(0); // nothing before the files' starts is skipped
    expect(cmd.inputs.map((i) => i.shiftMs)).toEqual([500, 500, 2000]);
    expect(cmd.durationMs).toBe(10_000);
    const graph = after(cmd.args, "-filter_complex")[0];
    expect(graph).toBe(cmd.filterGraph);
    expect(graph).toContain("[0:v]setpts=PTS+0.500/TB,fps=25");
    expect(graph).toContain("[1:a]asetpts=PTS+0.500/TB,aresample=48000:async=1:first_pts=0");
    expect(graph).toContain("amix=inputs=2:normalize=0");
    expect(graph).toContain("apad,atrim=end_sample=480000");
    expect(graph).toMatch(/^color=c=0x[0-9a-f]+:s=1280x720:r=25:d=10\.000/);
  });

  it("encodes H.264/AAC 48 kHz MP4 with +faststart and the exact duration", () => {
    const { args } = compositeMp4Args(request(), "/out/movie.mp4");
    expect(after(args, "-map")).toEqual(["[vout]", "[aout]"]);
    expect(after(args, "-c:v")).toEqual(["libx264"]);
    expect(after(args, "-preset")).toEqual(["veryfast"]);
    expect(after(args, "-pix_fmt")).toEqual(["yuv420p"]);
    expect(after(args, "-r")).toEqual(["25"]);
    expect(after(args, "-c:a")).toEqual(["aac"]);
    expect(after(args, "-ar")).toEqual(["48000"]);
    expect(after(args, "-movflags")).toEqual(["+faststart"]);
    expect(after(args, "-t").at(-1)).toBe("10.000");
    expect(args.at(-1)).toBe("/out/movie.mp4");
  });

  it("overlays video only in segments where the tile has video and draws name tiles for everyone", () => {
    const { filterGraph, args } = compositeMp4Args(request(), "/out/movie.mp4");
    const chains = filterGraph.split(";\n");
    // Ann's video is used in 3 segments (alone; with Ben; ...): one trimmed, scaled branch and overlay per use.
    const req = request();
    const uses = req.segments.flatMap((s) => s.tiles.filter((t) => t.hasVideo)).length;
    expect(chains.filter((c) => /^\[v0s\d+\]trim=/.test(c))).toHaveLength(uses);
    const tiles = req.segments.flatMap((s) => s.tiles);
    const tileSources = chains.filter(
      (c) => /^color=c=0x[0-9a-f]{6}:s=\d+x\d+:r=25:d=[\d.]+,format=yuv420p/.test(c) && !c.endsWith("[bg]"),
    );
    expect(tileSources).toHaveLength(tiles.length);
    expect(chains.filter((c) => c.includes("overlay="))).toHaveLength(uses + tiles.length);
    // Ben never has video: his name is drawn centred in his tile in every segment he is in.
    expect(filterGraph.match(/text=Ben:fontcolor=white:fontsize=\d+:x=\(w-text_w\)\/2/g)).toHaveLength(
      tiles.filter((t) => t.name === "Ben").length,
    );
    expect(after(args, "-reinit_filter")).toEqual(["0"]);
  });

  it("escapes names for drawtext and font paths", () => {
    const { filterGraph } = compositeMp4Args(request(), "/out/movie.mp4");
    expect(filterGraph).toContain("fontfile=/fonts/Dejavu Sans.ttf");
    expect(escapeText("Ann O'Neil: [host]")).toBe("Ann O\\\\\\'Neil\\\\: \\[host\\]");
    expect(escapeText("a;b,c\nd")).toBe("a\\;b\\,c d");
    expect(escapeText("   ")).toBe("?");
  });

  it("without a font draws coloured name tiles and no text", () => {
    const { filterGraph } = compositeMp4Args(request({ fontFile: null }), "/out/movie.mp4");
    expect(filterGraph).not.toContain("drawtext");
    expect(filterGraph).toMatch(/color=c=0x[0-9a-f]{6}:s=\d+x\d+:r=25:d=[\d.]+,format=yuv420p,setpts=PTS\+[\d.]+\/TB\[t\d+x\d+\]/);
  });

  it("uses a filter script file when asked (long calls outgrow one argument)", () => {
    const { args } = compositeMp4Args(request({ filterScriptFile: "/tmp/g.txt" }), "/out/movie.mp4");
    expect(after(args, "-filter_complex_script")).toEqual(["/tmp/g.txt"]);
    expect(args).not.toContain("-filter_complex");
  });
});

describe("windowed mode", () => {
  it("seeks into each input for a late window and shifts it to the window's time", () => {
    const req = request({ startMsOf: (t) => (t.kind === "video" ? 120 : -7) });
    const inputs = windowInputs(req.timeline, { fromMs: 4000, toMs: 6000 }, { startMsOf: req.startMsOf });
    expect(inputs.map((i) => [i.track.file, i.seekMs, i.durationMs, i.shiftMs])).toEqual([
      ["p-ann/ann/track0-video.webm", 3380, 2000, 0],
      ["p-ann/ann/track1-audio.webm", 3507, 2000, 0],
      ["p-ben/ben/track0-audio.webm", 2007, 2000, 0],
    ]);
    // The first window: the video file's first frame is at 120 ms of the file, so it plays 120 ms after placement.
    const first = windowInputs(req.timeline, { fromMs: 0, toMs: 2000 }, { startMsOf: req.startMsOf });
    expect(first[0]).toMatchObject({ seekMs: 0, shiftMs: 620, durationMs: 1380 });
  });

  it("says how far into each file still being written a window reads (file time, the start time added back)", () => {
    const req = request({ startMsOf: (t) => (t.kind === "video" ? 120 : -7) });
    const needs = windowReadNeeds(req.timeline, { fromMs: 4000, toMs: 6000 }, (t) => t.file !== "p-ben/ben/track0-audio.webm", {
      startMsOf: req.startMsOf,
    });
    // Each input's seek + duration past the file's first timestamp; Ben's audio is closed, so it is not asked.
    expect(needs.map((n) => [n.track.file, n.untilMs])).toEqual([
      ["p-ann/ann/track0-video.webm", 120 + 3380 + 2000],
      ["p-ann/ann/track1-audio.webm", -7 + 3507 + 2000],
    ]);
  });

  it("renders a window to a keyframe-first MPEG-TS plus a WAV of the same length", () => {
    const cmd = compositeWindowArgs({ ...request(), window: { fromMs: 2000, toMs: 4000 } }, "/w/1.ts", "/w/1.wav");
    const args = cmd.args;
    expect(after(args, "-force_key_frames")).toEqual(["expr:eq(n,0)"]);
    expect(after(args, "-f")).toEqual(["mpegts", "wav"]);
    expect(after(args, "-map")).toEqual(["[vout]", "[aout]"]);
    expect(after(args, "-c:a")).toEqual(["pcm_s16le"]);
    expect(after(args, "-t").slice(-2)).toEqual(["2.000", "2.000"]);
    expect(cmd.filterGraph).toContain("atrim=end_sample=96000");
  });

  it("joins windows copying video and encoding audio once", () => {
    const args = joinWindowsArgs("/w/v.txt", "/w/a.txt", 9000, "/out/m.mp4");
    expect(after(args, "-f")).toEqual(["concat", "concat", "mp4"]);
    expect(after(args, "-c:v")).toEqual(["copy"]);
    expect(after(args, "-movflags")).toEqual(["+faststart"]);
    expect(concatList([{ file: "/w/it's.ts", durationMs: 2000 }])).toBe("file '/w/it'\\''s.ts'\nduration 2.000\n");
  });

  it("cuts windows on the frame grid, the last one shorter", () => {
    expect(windowsOf(25_000, 10_000)).toEqual([
      { fromMs: 0, toMs: 10_000 },
      { fromMs: 10_000, toMs: 20_000 },
      { fromMs: 20_000, toMs: 25_000 },
    ]);
    expect(windowsOf(100, 50).map((w) => w.toMs)).toEqual([40, 80, 100]);
  });
});

describe("helpers", () => {
  it("posterArgs takes one frame at the given time", () => {
    const args = posterArgs("/out/m.mp4", 3000, "/out/p.jpg");
    expect(after(args, "-ss")).toEqual(["3.000"]);
    expect(after(args, "-frames:v")).toEqual(["1"]);
    expect(args.at(-1)).toBe("/out/p.jpg");
  });

  it("fitInside keeps aspect with even sizes", () => {
    expect(fitInside(640, 480, 640, 720)).toEqual({ w: 640, h: 480 });
    expect(fitInside(1920, 1080, 960, 720)).toEqual({ w: 960, h: 540 });
    expect(fitInside(333, 333, 101, 99)).toEqual({ w: 98, h: 98 });
  });
});
