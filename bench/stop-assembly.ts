// Usage: npx tsx bench/stop-assembly.ts FRAGMENTS_FILE [--reps 3]
//
// The part of Stop → ready that grows with the recording's length once every window is rendered: turning the
// fragments the live renderer kept (init + every window, as LiveRecording writes them; `bench/composite.ts
// --keep-fragments DIR` keeps them) into the downloadable faststart MP4, then uploading it (to the embedded
// S3-compatible store, as the compose job does). Two ways, alternating, medians of --reps: ffmpeg `-c copy
// +faststart` (what the app did) and the faststart header + a copy of the sample bytes (faststart-movie.ts, what
// it does now). Each movie is checked with ffprobe (both streams, the same duration within 0.1 s).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { assembleMovieArgs } from "@/lib/compositing/live";
import { openObjectStore } from "@/server/platform/object-store";
import { uploadRecordingFiles } from "@/server/recordings/compose/upload-sink";
import { writeFaststartMovie } from "@/server/recordings/live/faststart-movie";

const fragments = process.argv[2];
const repsAt = process.argv.indexOf("--reps");
const REPS = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 3;
if (!fragments || !(REPS >= 1 && REPS <= 10)) {
  console.error("usage: npx tsx bench/stop-assembly.ts FRAGMENTS_FILE [--reps 1..10]");
  process.exit(2);
}
const work = mkdtempSync(path.join(os.tmpdir(), "bench-stop-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = async (f: () => unknown) => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};
const probe = (file: string) => {
  const out = execFileSync("ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", file], {
    encoding: "utf8",
  });
  const info = JSON.parse(out) as { format: { duration: string }; streams: { codec_name: string }[] };
  return {
    duration: Number(info.format.duration),
    codecs: info.streams
      .map((s) => s.codec_name)
      .sort()
      .join("+"),
  };
};

try {
  const store = await openObjectStore({
    region: "us-east-1",
    bucket: "stop",
    forcePathStyle: true,
    embeddedDir: path.join(work, "s3"),
    embeddedPort: 0,
  });
  const ways = {
    "ffmpeg -c copy +faststart": (out: string) => execFileSync("ffmpeg", assembleMovieArgs(fragments, out), { stdio: "pipe" }),
    "faststart header + byte copy": (out: string) => writeFaststartMovie(fragments, out),
  };
  const results = new Map<string, { make: number[]; upload: number[]; mb: number; duration: number }>();
  let reference: { duration: number; codecs: string } | null = null;
  for (let rep = 0; rep < REPS; rep++) {
    for (const [name, make] of rep % 2 ? Object.entries(ways).reverse() : Object.entries(ways)) {
      const out = path.join(work, "movie.mp4");
      const makeS = await seconds(() => make(out));
      const info = probe(out);
      reference ??= info;
      if (info.codecs !== "aac+h264" || Math.abs(info.duration - reference.duration) > 0.1)
        throw new Error(`INVALID movie from ${name}: ${info.codecs}, ${info.duration} s (reference ${reference.duration} s)`);
      const uploadS = await seconds(() =>
        uploadRecordingFiles({
          storage: store,
          prefix: `recordings/bench-${rep}/`,
          files: [{ path: out, key: "movie.mp4", contentType: "video/mp4" }],
        }),
      );
      const r = results.get(name) ?? { make: [], upload: [], mb: statSync(out).size / 1e6, duration: info.duration };
      r.make.push(makeS);
      r.upload.push(uploadS);
      results.set(name, r);
      rmSync(out, { force: true });
    }
  }
  await store.close();
  const base = results.get("ffmpeg -c copy +faststart")!;
  console.log(
    `\n${fragments}: ${(statSync(fragments).size / 1e6).toFixed(0)} MB of fragments, ${reference!.duration.toFixed(1)} s of movie, medians of ${REPS}`,
  );
  console.log("| way | movie s | vs ffmpeg | upload s | movie + upload s | movie MB |");
  console.log("|---|---|---|---|---|---|");
  for (const [name, r] of results) {
    const make = median(r.make);
    console.log(
      `| ${name} | ${make.toFixed(2)} | ${(make / median(base.make)).toFixed(2)}x | ${median(r.upload).toFixed(2)} | ${(make + median(r.upload)).toFixed(2)} | ${r.mb.toFixed(0)} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
