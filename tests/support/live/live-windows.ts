// A recording composited live by the production LiveRecording, as the composer drives it: the clock passes each
// second and a tick renders what closed; at Stop the span closes and the last window is rendered. Shared by the
// media tests that need real windows (never hand-built fMP4).
import path from "node:path";
import { liveWindowMs } from "@/lib/compositing/live";
import { createLogger } from "@/server/platform/logger";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { boxesIn, splitFragmentedMp4 } from "@/server/recordings/live/fmp4";
import { LiveRecording, type LiveRecordingOptions, type LiveSource } from "@/server/recordings/live/live-recording";
import { T0 } from "@/tests/support/media/synthetic-recording";

export interface RenderLiveOptions {
  dir: string;
  storage: ObjectStorage;
  /** Its raw files are in dir/<recordingId> unless recordingDir says where. */
  recordingId: string;
  recordingDir?: string;
  /** When capture started on the manifest's clock (default T0, the synthetic recordings' start). */
  startMs?: number;
  seconds: number;
  windowMs?: number;
  stepMs?: number;
  output?: { width: number; height: number };
  streamMovie?: LiveRecordingOptions["streamMovie"];
  /** After the last tick of the call, before Stop. */
  beforeStop?: (live: LiveRecording) => Promise<void>;
}

export async function renderLiveWindows(o: RenderLiveOptions) {
  const t0 = o.startMs ?? T0;
  const spans: LiveSource["spans"] = [{ from: new Date(t0), to: null }];
  let now = t0;
  const live = new LiveRecording({
    recordingId: o.recordingId,
    recordingDir: o.recordingDir ?? path.join(o.dir, o.recordingId),
    workDir: path.join(o.dir, "work", o.recordingId),
    storage: o.storage,
    windowMs: o.windowMs ?? liveWindowMs(6000, 25),
    settleMs: 1000,
    output: o.output ?? { width: 1280, height: 720 },
    read: async () => ({ spans, layout: "grid", layoutChanges: [] }),
    logger: createLogger("silent"),
    clock: () => now,
    streamMovie: o.streamMovie,
  });
  const rendered: number[] = [];
  for (let t = 0; t <= o.seconds * 1000; t += o.stepMs ?? 1000) {
    now = t0 + t;
    await live.advance(false);
    rendered.push(live.segments.length);
  }
  await o.beforeStop?.(live);
  spans[0]!.to = new Date(t0 + o.seconds * 1000);
  now = t0 + o.seconds * 1000 + 500;
  await live.advance(true);
  return { live, rendered };
}

/** Each moof + mdat pair on its own: how a caller fed window by window sees them. */
export function moofMdatPairs(media: Buffer): Buffer[] {
  const top = boxesIn(media, 0, media.length);
  const out: Buffer[] = [];
  for (let i = 0; i < top.length; i++) {
    if (top[i]!.type !== "moof") continue;
    const end = top[i + 1]?.type === "mdat" ? top[i + 1]! : top[i]!;
    out.push(media.subarray(top[i]!.start, end.start + end.size));
  }
  return out;
}

/** A fragments file (init + every window) as its init and its moof + mdat pairs. */
export function fragmentsOf(file: Buffer) {
  const split = splitFragmentedMp4(file);
  return { init: split.init, timescales: split.timescales, pairs: moofMdatPairs(split.media) };
}
