import { mkdtempSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ffprobe, FfprobeError, isFastStart, mp4TopLevelBoxes } from "@/server/recordings/compose/ffprobe";
import { FfmpegError, ProgressParser, runFfmpeg, type FfmpegProgress } from "@/server/recordings/compose/ffmpeg-runner";

const dir = mkdtempSync(path.join(tmpdir(), "ffmpeg-runner-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lavfi = (seconds: number) => [
  "-f",
  "lavfi",
  "-i",
  `testsrc2=s=320x240:r=25:d=${seconds}`,
  "-f",
  "lavfi",
  "-i",
  `sine=r=48000:d=${seconds}`,
];
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as FfmpegError,
  );

describe("runFfmpeg", () => {
  it("reports progress as a percentage of the known duration and resolves with the stderr tail", async () => {
    const seen: FfmpegProgress[] = [];
    const out = path.join(dir, "a.mp4");
    const result = await runFfmpeg(["-y", ...lavfi(3), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", out], {
      durationMs: 3000,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.at(-1)).toMatchObject({ done: true, percent: 100 });
    expect(seen.at(-1)!.outTimeMs).toBeGreaterThan(2900);
    const percents = seen.map((p) => p.percent!);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(result.stderrTail.length).toBeGreaterThan(0);
  });

  it("fails with ffmpeg-failed, the exit code and the stderr tail", async () => {
    const e = await failure(runFfmpeg(["-i", path.join(dir, "missing.webm"), "-f", "null", "-"]));
    expect(e).toBeInstanceOf(FfmpegError);
    expect(e.code).toBe("ffmpeg-failed");
    expect(e.details.exitCode).not.toBe(0);
    expect(e.details.stderrTail.join("\n")).toContain("No such file");
  });

  it("kills a run that exceeds its timeout (ffmpeg-timeout)", async () => {
    const started = Date.now();
    const e = await failure(runFfmpeg(["-re", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25", "-f", "null", "-"], { timeoutMs: 700 }));
    expect(e.code).toBe("ffmpeg-timeout");
    expect(e.details.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("an abort kills ffmpeg (ffmpeg-killed)", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const e = await failure(runFfmpeg(["-re", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25", "-f", "null", "-"], { signal: ac.signal }));
    expect(e.code).toBe("ffmpeg-killed");
  });

  it("runs ffmpeg 10 below this process's priority: compositing gets what ingest and signalling leave", async () => {
    const ac = new AbortController();
    const run = failure(runFfmpeg(["-re", "-f", "lavfi", "-i", "testsrc2=s=162x122:r=25", "-f", "null", "-"], { signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 300));
    const pid = execFileSync("pgrep", ["-f", "testsrc2=s=162x122"], { encoding: "utf8" }).trim().split("\n")[0]!;
    const nice = Number(execFileSync("ps", ["-o", "ni=", "-p", pid], { encoding: "utf8" }).trim());
    ac.abort();
    await run;
    expect(nice).toBe(Math.min(19, getPriority() + 10));
  });

  it("names a missing binary (ffmpeg-not-found)", async () => {
    const e = await failure(runFfmpeg(["-version"], { binary: path.join(dir, "no-ffmpeg") }));
    expect(e.code).toBe("ffmpeg-not-found");
  });

  it("ProgressParser reads blocks ending in progress=, with N/A before the first frame", () => {
    const p = new ProgressParser(10_000);
    expect(p.push("frame=0")).toBeUndefined();
    expect(p.push("out_time_us=N/A")).toBeUndefined();
    expect(p.push("progress=continue")).toMatchObject({ outTimeMs: 0, percent: 0, done: false });
    p.push("out_time_us=2500000");
    p.push("speed=5.01x");
    expect(p.push("progress=continue")).toMatchObject({ outTimeMs: 2500, percent: 25, speed: 5.01 });
    p.push("out_time_us=10000000");
    expect(p.push("progress=end")).toMatchObject({ percent: 100, done: true });
  });
});

describe("ffprobe and the MP4 box order", () => {
  it("reads streams and tells a +faststart file from a plain one", async () => {
    const plain = path.join(dir, "plain.mp4");
    const fast = path.join(dir, "fast.mp4");
    const enc = ["-y", ...lavfi(1), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-ar", "48000"];
    await runFfmpeg([...enc, plain]);
    await runFfmpeg([...enc, "-movflags", "+faststart", fast]);
    const info = await ffprobe(fast);
    expect(info.streams.map((s) => [s.type, s.codec])).toEqual([
      ["video", "h264"],
      ["audio", "aac"],
    ]);
    expect(info.streams[0]).toMatchObject({ width: 320, height: 240 });
    expect(info.streams[1]).toMatchObject({ sampleRate: 48000 });
    expect(Math.abs(info.durationMs! - 1000)).toBeLessThan(100);
    expect((await mp4TopLevelBoxes(plain)).map((b) => b.type)).toEqual(["ftyp", "free", "mdat", "moov"]);
    expect(await isFastStart(plain)).toBe(false);
    expect(await isFastStart(fast)).toBe(true);
  });

  it("rejects an unreadable file with ffprobe-failed", async () => {
    const e = await ffprobe(path.join(dir, "nothing.webm")).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FfprobeError);
    expect((e as FfprobeError).code).toBe("ffprobe-failed");
  });
});
