// One closed window of a running recording → one fMP4 media segment on the recording's time line (plus the init
// segment, the same for every window). Four ffmpeg steps: composite the window (video cut at its end, audio a few
// AAC frames past it), encode the audio with the previous window's tail in front, keep the frames that cover the
// window, mux with the video and move the fragments to the window's start. See lib/compositing/live.ts for why.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { compositeWindowArgs, DEFAULT_ENCODER, type EncoderSettings } from "@/lib/compositing/ffmpeg-args";
import {
  AAC_FRAME,
  keptAacFrames,
  liveAudioEncodeArgs,
  liveSegmentMuxArgs,
  LOOKAHEAD_MS,
  pcmBytes,
  PREROLL_FRAMES,
  samplesOfMs,
} from "@/lib/compositing/live";
import type { TimeSpan } from "@/lib/compositing/timeline";
import type { Composition } from "@/server/recordings/compose/compose-recording";
import { runFfmpeg } from "@/server/recordings/compose/ffmpeg-runner";
import { adtsFrames, shiftFragments, splitFragmentedMp4 } from "@/server/recordings/live/fmp4";

export interface LiveWindowResult {
  init: Buffer;
  /** moof + mdat pairs, decode times already on the recording's time line. */
  segment: Buffer;
  /** The same fragments with decode times from 0, and the timescales to move them (see blank windows). */
  unshifted: { media: Buffer; timescales: Map<number, number> };
  durationMs: number;
  /** The window's own last PREROLL frames of PCM: the next window's encoder starts with them. */
  tailPcm: Buffer;
}

export interface RenderLiveWindowOptions {
  composition: Composition;
  window: TimeSpan;
  /** Whether audio past the window's end exists (false for the last window at Stop). */
  lookahead: boolean;
  /** The previous window's tail PCM; silence for the first window. */
  previousTail: Buffer | null;
  workDir: string;
  encoder?: Partial<EncoderSettings>;
  ffmpeg?: string;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
}

const PREROLL_BYTES = pcmBytes(PREROLL_FRAMES * AAC_FRAME);

export async function renderLiveWindow(o: RenderLiveWindowOptions): Promise<LiveWindowResult> {
  const { window } = o;
  const durationMs = window.toMs - window.fromMs;
  await mkdir(o.workDir, { recursive: true });
  const file = (name: string) => path.join(o.workDir, name);
  const run = (args: string[], ms: number) =>
    runFfmpeg(args, { binary: o.ffmpeg, durationMs: ms, signal: o.signal, onStderrLine: o.onLog, timeoutMs: 4 * ms + 60_000 });
  const encoder = { ...DEFAULT_ENCODER, ...o.encoder };
  try {
    const rendered = { ...window, toMs: window.toMs + (o.lookahead ? LOOKAHEAD_MS : 0) };
    const cmd = compositeWindowArgs(
      { ...o.composition.request, encoder, window: rendered, filterScriptFile: file("graph.txt") },
      file("video.ts"),
      file("audio.pcm"),
      { videoMs: durationMs, audioFormat: "s16le" },
    );
    await writeFile(file("graph.txt"), cmd.filterGraph);
    await run(cmd.args, cmd.durationMs);

    const pcm = await readFile(file("audio.pcm"));
    const own = pcm.subarray(0, Math.min(pcm.length, pcmBytes(samplesOfMs(durationMs))));
    const preroll = o.previousTail && o.previousTail.length === PREROLL_BYTES ? o.previousTail : Buffer.alloc(PREROLL_BYTES);
    await writeFile(file("encode.pcm"), Buffer.concat([preroll, pcm]));
    await run(liveAudioEncodeArgs(file("encode.pcm"), file("audio.aac"), encoder.audioBitrate), durationMs);
    const frames = adtsFrames(await readFile(file("audio.aac")));
    const keep = keptAacFrames(durationMs);
    const kept = frames.slice(keep.first, keep.first + keep.count);
    if (kept.length < keep.count) throw new Error(`the audio encoder gave ${kept.length} of ${keep.count} frames for a window`);
    await writeFile(file("kept.aac"), Buffer.concat(kept));

    await run(liveSegmentMuxArgs(file("video.ts"), file("kept.aac"), file("segment.mp4")), durationMs);
    const split = splitFragmentedMp4(await readFile(file("segment.mp4")));
    const tail =
      own.length >= PREROLL_BYTES
        ? own.subarray(own.length - PREROLL_BYTES)
        : Buffer.concat([Buffer.alloc(PREROLL_BYTES - own.length), own]);
    return {
      init: split.init,
      segment: shiftFragments(split.media, split.timescales, window.fromMs),
      unshifted: { media: split.media, timescales: split.timescales },
      durationMs,
      tailPcm: Buffer.from(tail),
    };
  } finally {
    await rm(o.workDir, { recursive: true, force: true });
  }
}
