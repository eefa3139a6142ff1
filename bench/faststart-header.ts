// Usage: npx tsx bench/faststart-header.ts [--minutes 60] [--reps 3]
//
// What Stop costs when the movie's sample data was uploaded while recording and only the faststart header is left:
// building that header (server/recordings/live/faststart-mp4.ts) for a --minutes recording, against ffmpeg's
// `-c copy -movflags +faststart` remux (today's Stop path) of one real minute of the same fragments, in the same run.
// The minute is made like production's segments are muxed (H.264 1280x720 25 fps, GOP 2 s, AAC 48 kHz stereo,
// +frag_keyframe+empty_moov+default_base_moof+delay_moov); the long recording is that minute's fragments repeated,
// each copy moved to its place on the time line with shiftFragments, so its tables have production's shape
// (60 min: 90,000 video + ~168,750 audio samples). The remux of a whole hour is not run: it would be about 60x the
// minute's (it copies every byte), and the header's point is that it does not grow with the media's bytes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assembleMovieArgs } from "@/lib/compositing/live";
import { faststartHeader, SampleTables } from "@/server/recordings/live/faststart-mp4";
import { shiftFragments, splitFragmentedMp4 } from "@/server/recordings/live/fmp4";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const MINUTES = Number(arg("minutes", "60"));
const REPS = Number(arg("reps", "3"));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function timed<T>(f: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
}

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-faststart-"));
try {
  const minute = path.join(dir, "minute.mp4");
  // ultrafast: the input's making is not measured, only its structure matters.
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25", "-f", "lavfi", "-i", "sine=f=440:r=48000"],
    ...["-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2"],
    ...["-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof+delay_moov", minute],
  ]);
  const split = splitFragmentedMp4(readFileSync(minute));

  const remuxMs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    remuxMs.push(timed(() => execFileSync("ffmpeg", assembleMovieArgs(minute, path.join(dir, "remux.mp4")), { stdio: "pipe" })).ms);
  }

  // The copies follow each other at the minute's longest track end, in whole video frames (the AAC runs a little past 60 s).
  const once = new SampleTables(split.init);
  once.add(split.media);
  const endMs = Math.max(...[...once.tracks.values()].map((t) => (t.decodeEnd * 1000) / t.timescale));
  const stepMs = Math.ceil(endMs / 40) * 40;
  const windows = Array.from({ length: MINUTES }, (_, i) => shiftFragments(split.media, split.timescales, i * stepMs));
  const collectMs: number[] = [];
  const headerMs: number[] = [];
  let header: Buffer = Buffer.alloc(0);
  let tables = new SampleTables(split.init);
  for (let r = 0; r < REPS; r++) {
    const collected = timed(() => {
      const t = new SampleTables(split.init);
      for (const w of windows) t.add(w);
      return t;
    });
    tables = collected.value;
    collectMs.push(collected.ms);
    const built = timed(() => faststartHeader(split.init, tables));
    header = built.value;
    headerMs.push(built.ms);
  }
  const samples = [...tables.tracks.values()].map((t) => t.sizes.length);
  const movieBytes = header.length + tables.payloadBytes;
  console.log(`input: 1 min of fragments, ${statSync(minute).size} bytes; ${MINUTES} min = ${MINUTES} shifted copies, ${stepMs} ms apart`);
  console.log(`${MINUTES} min tables: ${samples.join(" + ")} samples, movie ${(movieBytes / 2 ** 20).toFixed(0)} MiB`);
  console.log(`ffmpeg -c copy +faststart of 1 min (median of ${REPS}): ${median(remuxMs).toFixed(0)} ms`);
  console.log(`collecting ${MINUTES} min of tables (done window by window while recording): ${median(collectMs).toFixed(0)} ms`);
  console.log(
    `faststart header for ${MINUTES} min: ${median(headerMs).toFixed(0)} ms, ${header.length} bytes ` +
      `(${(median(headerMs) / median(remuxMs)).toFixed(2)}x the 1-min remux)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
