// Usage: npx tsx bench/composite.ts [--reps 3] [--lengths 60,600,3600] [--post-call-max 600] [--keep-fragments DIR]
//
// Speed of the compose job (server/recordings/compose/compose-recording.ts) on synthetic two-participant recordings
// (VP8 + Opus per participant, laid out the way the recorder writes them, with a manifest):
//  1. baseline: composeRecording's wall time against the bare ffmpeg command on the same inputs (hstack + amix,
//     scaled/padded to the same 1280x720 output, same encoder: libx264 veryfast crf 23, 25 fps, AAC 128k,
//     +faststart), as a ratio; and compose's realtime factor, for 10 s inputs at 640x480 and at 1280x720.
//     Each pair runs --reps times, alternating, and the medians are reported (shared, noisy machine).
//  2. Stop → playable for each --lengths recording (640x480 inputs, 1280x720 output), as the app makes it:
//     (a) post-call: the whole composeRecording after Stop (lengths up to --post-call-max; an hour takes ~12 min);
//     (b) live: the production LiveRecording renders windows while the "call" runs (its clock advances a second
//         per tick; not timed) and uploads the movie's sample bytes as parts meanwhile (live-movie-upload.ts); then
//         at Stop the compose job's path, timed: the last window and the closed index, the streamed movie completed
//         (last part, header part, commit) and confirmed, the poster made and uploaded (the database update is not
//         included). A movie not streamed falls back to writing and uploading it, as the job does.
// Inputs are generated once (low bitrate, libvpx realtime) and cached in os.tmpdir()/bench-composite-inputs-v1.
import { execFile } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { liveWindowMs } from "@/lib/compositing/live";
import { createLogger } from "@/server/platform/logger";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { composeRecording } from "@/server/recordings/compose/compose-recording";
import { uploadRecordingFiles } from "@/server/recordings/compose/upload-sink";
import { basisOf } from "@/server/recordings/live/live-index";
import { LiveRecording, type LiveSource } from "@/server/recordings/live/live-recording";
import { ffprobe } from "@/server/recordings/compose/ffprobe";
import { liveMovieAtStop } from "@/server/recordings/live/streamed-live-movie";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const REPS = Number(arg("reps", "3"));
const LENGTHS_S = arg("lengths", "60,600,3600").split(",").map(Number);
/** Post-call compositing of an hour takes about 12 minutes here: longer lengths skip it unless asked. */
const POST_CALL_MAX_S = Number(arg("post-call-max", "600"));
/** Keep each live run's fragments file (init + every window) here, for bench/stop-assembly.ts. */
const KEEP_FRAGMENTS = arg("keep-fragments", "");
if (!(REPS >= 1 && REPS <= 10) || LENGTHS_S.some((s) => !(s >= 30 && s <= 3600))) {
  console.error("usage: npx tsx bench/composite.ts [--reps 1..10] [--lengths 60,600,3600 (seconds, 30..3600)] [--post-call-max 600]");
  process.exit(2);
}
const OUT = { width: 1280, height: 720 };
/** Inputs longer than this are a generated minute looped (see inputs()). */
const LOOPED_ABOVE_S = 600;
const CACHE = path.join(os.tmpdir(), "bench-composite-inputs-v1");
const run = promisify(execFile);
const ffmpeg = (args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args], { maxBuffer: 16 << 20 });

interface Inputs {
  dir: string;
  manifestText: string;
  spans: { fromMs: number; toMs: number }[];
  seconds: number;
  /** [video, audio] per participant. */
  files: [string, string][];
}

/** Two participants (moving test patterns + tones) for `seconds`, cached between runs. */
async function inputs(w: number, h: number, seconds: number): Promise<Inputs> {
  const dir = path.join(CACHE, `${w}x${h}-${seconds}s`);
  const m = new SyntheticRecording();
  const files: [string, string][] = [];
  const jobs: (() => Promise<unknown>)[] = [];
  for (const [i, id] of ["ann", "ben"].entries()) {
    m.session(id, id, id.toUpperCase(), "camera", 0);
    const v = m.track(id, "video", 0, seconds * 1000, { width: w, height: h });
    const a = m.track(id, "audio", 0, seconds * 1000);
    m.end(id, seconds * 1000);
    const [vf, af] = [path.join(dir, v.file), path.join(dir, a.file)];
    files.push([vf, af]);
    const pattern = i === 0 ? "testsrc2" : "testsrc";
    jobs.push(() =>
      ffmpeg([
        "-f",
        "lavfi",
        "-i",
        `${pattern}=s=${w}x${h}:r=20`,
        "-t",
        String(seconds),
        "-c:v",
        "libvpx",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        w > 640 ? "800k" : "400k",
        "-g",
        "100",
        "-f",
        "webm",
        vf,
      ]),
    );
    jobs.push(() =>
      ffmpeg([
        "-f",
        "lavfi",
        "-t",
        String(seconds),
        "-i",
        `sine=f=${440 + 220 * i}:r=48000`,
        "-c:a",
        "libopus",
        "-b:a",
        "32k",
        "-f",
        "webm",
        af,
      ]),
    );
  }
  const manifestText = m.text();
  const done = path.join(dir, "complete");
  if (!existsSync(done)) {
    const t = Date.now();
    for (const f of files.flat()) mkdirSync(path.dirname(f), { recursive: true });
    if (seconds > LOOPED_ABOVE_S) {
      // An hour of VP8 takes about an hour to encode here: a minute of it is played over and over instead (stream
      // copy, timestamps continued by ffmpeg), the same bytes per second as a recorded hour of the same pattern.
      const minute = await inputs(w, h, 60);
      await Promise.all(
        files
          .flat()
          .map((f, i) =>
            ffmpeg(["-stream_loop", "-1", "-i", minute.files.flat()[i]!, "-t", String(seconds), "-c", "copy", "-f", "webm", f]),
          ),
      );
    } else await Promise.all(jobs.map((j) => j())); // 2 cores: the two participants encode side by side
    writeFileSync(path.join(dir, "manifest.jsonl"), manifestText);
    writeFileSync(done, "");
    console.log(`generated ${w}x${h} ${seconds} s inputs in ${((Date.now() - t) / 1000).toFixed(1)} s (cached in ${dir})`);
  }
  return { dir, manifestText, spans: [{ fromMs: T0, toMs: T0 + seconds * 1000 }], seconds, files };
}

async function timed(f: () => Promise<unknown>) {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

/** The output must be a movie of the recording's length, else the timing means nothing. */
async function checkMovie(file: string, seconds: number) {
  const info = await ffprobe(file);
  const kinds = info.streams
    .map((s) => s.type)
    .sort()
    .join("+");
  if (kinds !== "audio+video" || Math.abs((info.durationMs ?? 0) - seconds * 1000) > 200) {
    throw new Error(`INVALID output ${file}: streams ${kinds}, ${info.durationMs} ms instead of ${seconds * 1000}`);
  }
}

function bareArgs(inp: Inputs, outFile: string) {
  const [[v0, a0], [v1, a1]] = inp.files;
  return [
    "-i",
    v0,
    "-i",
    a0,
    "-i",
    v1,
    "-i",
    a1,
    "-filter_complex",
    `[0:v][2:v]hstack,scale=${OUT.width}:${OUT.height}:force_original_aspect_ratio=decrease,` +
      `pad=${OUT.width}:${OUT.height}:(ow-iw)/2:(oh-ih)/2,fps=25[v];[1:a][3:a]amix=inputs=2[a]`,
    "-map",
    "[v]",
    "-map",
    "[a]",
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-r",
    "25",
    "-g",
    "50",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    outFile,
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = mkdtempSync(path.join(os.tmpdir(), "bench-composite-"));

async function baseline(w: number, h: number) {
  const inp = await inputs(w, h, 10);
  const bare: number[] = [];
  const ours: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const bareOut = path.join(work, `bare-${w}.mp4`);
    const ourOut = path.join(work, `ours-${w}.mp4`);
    bare.push(await timed(() => ffmpeg(bareArgs(inp, bareOut))));
    ours.push(
      await timed(() =>
        composeRecording({ recordingDir: inp.dir, manifestText: inp.manifestText, spans: inp.spans, output: OUT, outFile: ourOut }),
      ),
    );
    await checkMovie(ourOut, inp.seconds);
    await checkMovie(bareOut, inp.seconds);
  }
  const b = median(bare);
  const o = median(ours);
  return {
    inputs: `${w}x${h}`,
    bareS: b,
    composeS: o,
    ratio: o / b,
    realtime: inp.seconds / o,
    bareRealtime: inp.seconds / b,
    runs: ours.map((x) => x.toFixed(2)).join(" "),
  };
}

/** The live path as the app runs it: windows while the "call" runs (clock-driven, not timed), then Stop timed. */
async function stopToPlayable(seconds: number, store: ObjectStore) {
  const inp = await inputs(640, 480, seconds);
  let postS: number | null = null;
  if (seconds <= POST_CALL_MAX_S) {
    const post = path.join(work, `post-${seconds}.mp4`);
    postS = await timed(() =>
      composeRecording({ recordingDir: inp.dir, manifestText: inp.manifestText, spans: inp.spans, output: OUT, outFile: post }),
    );
    await checkMovie(post, seconds);
    rmSync(post, { force: true });
  }
  const recordingId = `bench-${seconds}-${Date.now()}`;
  const spans: LiveSource["spans"] = [{ from: new Date(T0), to: null }];
  let now = T0;
  const live = new LiveRecording({
    recordingId,
    recordingDir: inp.dir,
    workDir: path.join(work, `live-${seconds}`),
    storage: store,
    windowMs: liveWindowMs(6000, 25),
    settleMs: 1500,
    output: OUT,
    read: async () => ({ spans, layout: "grid", layoutChanges: [] }),
    logger: createLogger("silent"),
    clock: () => now,
    // As the node's live compositing runs it (recording-backend.ts).
    streamMovie: {},
  });
  // The call: a tick a second, as the composer ticks; each renders what closed (machine time is not the clock's).
  const duringStart = performance.now();
  for (let t = 1000; t <= seconds * 1000; t += 1000) {
    now = T0 + t;
    // As the composer ticks: a failed tick is logged and the next one tries again (a run died on one 500 before).
    await live.advance(false).catch((err: Error) => console.warn(`tick at ${t / 1000} s failed (${err.name}: ${err.message}); next tick`));
  }
  const duringS = (performance.now() - duringStart) / 1000;
  const windowsDuring = live.segments.length;
  spans[0]!.to = new Date(T0 + seconds * 1000);
  const movie = path.join(work, `live-${seconds}.mp4`);
  const movieKey = `recordings/${recordingId}/movie.mp4`;
  let lastS = 0;
  let uploadS = 0;
  let stopBytes = 0;
  let streamed: Awaited<ReturnType<typeof liveMovieAtStop>> = null;
  let assembleS = 0;
  const liveS = await timed(async () => {
    lastS = await timed(() => live.advance(true));
    const basis = basisOf({ spans: [{ fromMs: T0, toMs: T0 + seconds * 1000 }], layout: "grid", layoutChanges: [], output: OUT });
    // What the node's LiveComposer hands the job for a recording it finished (see its streamedMovie).
    const finished = {
      localFragments: () => ({ file: live.localFragments, segments: live.segments.length }),
      streamedMovie: () =>
        live.movie?.state === "streaming"
          ? { key: live.movie.key, segments: live.movie.segments, complete: () => live.movie!.complete() }
          : undefined,
    };
    assembleS = await timed(async () => {
      streamed = await liveMovieAtStop({
        storage: store,
        recordingId,
        basis,
        outFile: movie,
        posterFile: `${movie}.jpg`,
        live: finished,
        movieKey,
      });
    });
    if (!streamed) throw new Error("INVALID: the live segments did not make the movie");
    const files = [{ path: `${movie}.jpg`, key: "poster.jpg", contentType: "image/jpeg" }];
    if (!streamed.streamed) files.unshift({ path: movie, key: "movie.mp4", contentType: "video/mp4" });
    // As the compose job stores them before the recording is ready (the database update is not included).
    uploadS = await timed(() => uploadRecordingFiles({ storage: store, prefix: `recordings/${recordingId}/`, files }));
    stopBytes = (streamed.streamed?.atStop.bytes ?? 0) + files.reduce((n, f) => n + statSync(f.path).size, 0);
  });
  const at = (streamed as Awaited<ReturnType<typeof liveMovieAtStop>>)?.streamed?.atStop;
  if (at) await pipeline((await store.getStream(movieKey)).body, createWriteStream(movie));
  const movieMB = statSync(movie).size / 1e6;
  if (KEEP_FRAGMENTS) {
    mkdirSync(KEEP_FRAGMENTS, { recursive: true });
    renameSync(live.localFragments, path.join(KEEP_FRAGMENTS, `fragments-${seconds}s.mp4`));
  }
  // Said at once: a run of an hour must not lose its figure to anything that fails after it.
  console.log(
    `${seconds} s recording: Stop → ready ${liveS.toFixed(2)} s (last window ${lastS.toFixed(2)} s, movie completed ${assembleS.toFixed(2)} s)`,
  );
  await checkMovie(movie, seconds);
  rmSync(movie, { force: true });
  await store.deletePrefix(`recordings/${recordingId}/`);
  const completeS = at ? (at.lastPartMs + at.headerPartMs + at.completeMs) / 1000 : null;
  const stop = { assembleS, completeS, at, stopMB: stopBytes / 1e6 };
  return { seconds, postS, liveS, lastS, uploadS, movieMB, duringS, windows: windowsDuring, ...stop };
}

try {
  console.log(
    `bench/composite.ts: ${os.cpus().length} cores, reps ${REPS}, lengths ${LENGTHS_S.join(",")} s, output ${OUT.width}x${OUT.height}`,
  );
  const base = [await baseline(640, 480), await baseline(1280, 720)];
  console.log(
    "\n| inputs (2 participants, 10 s) | bare ffmpeg s | composeRecording s | compose / bare | compose realtime | bare realtime | compose runs s |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const b of base) {
    console.log(
      `| ${b.inputs} | ${b.bareS.toFixed(2)} | ${b.composeS.toFixed(2)} | ${b.ratio.toFixed(2)}x | ${b.realtime.toFixed(1)}x | ${b.bareRealtime.toFixed(1)}x | ${b.runs} |`,
    );
  }
  const store = await openObjectStore({
    region: "us-east-1",
    bucket: "bench",
    forcePathStyle: true,
    embeddedDir: path.join(work, "s3"),
    embeddedPort: 0,
    // Two one-hour runs died on a bare 500 from the embedded server: say which request and why.
    onEmbeddedFailure: (f) =>
      console.warn(`embedded S3 ${f.status} ${f.code} on ${f.method} ${f.path}?${f.query}: ${f.message}\n${f.stack ?? ""}`),
  });
  const rows = [];
  for (const s of LENGTHS_S) rows.push(await stopToPlayable(s, store));
  await store.close();
  console.log(
    "\n| recording | Stop → playable, post-call s | post-call / length | Stop → ready, live s | last window s | movie completed s (last part + header part + commit) | poster made s | poster uploaded s | MB uploaded at Stop (movie MB) | live / post-call | windows rendered during the call (machine time) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const post = r.postS === null ? "not run" : r.postS.toFixed(1);
    const parts = r.at
      ? `${r.completeS!.toFixed(2)} (${(r.at.lastPartMs / 1000).toFixed(2)} + ${(r.at.headerPartMs / 1000).toFixed(2)} + ${(r.at.completeMs / 1000).toFixed(2)})`
      : "not streamed: written and uploaded";
    const posterS = r.assembleS - (r.completeS ?? 0);
    console.log(
      `| ${r.seconds / 60} min | ${post} | ${r.postS === null ? "–" : (r.postS / r.seconds).toFixed(3)} | ${r.liveS.toFixed(1)} | ${r.lastS.toFixed(1)} | ${parts} | ${posterS.toFixed(2)} | ${r.uploadS.toFixed(2)} | ${r.stopMB.toFixed(1)} (${r.movieMB.toFixed(0)}) | ` +
        `${r.postS === null ? "–" : `${(r.liveS / r.postS).toFixed(3)}x`} | ${r.windows} in ${r.duringS.toFixed(0)} s (${(r.duringS / r.seconds).toFixed(2)} of real time) |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
