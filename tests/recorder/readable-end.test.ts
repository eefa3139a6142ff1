// How far a track file still being written is readable, read back from the real writer's output as it grows.
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MkvWriter } from "@/recorder/pipeline/mkv-writer";
import { ReadableEnd } from "@/recorder/recovery";
import { makeVp8Frames } from "@/tests/support/recorder/synthetic-media";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const dir = mkdtempSync(path.join(os.tmpdir(), "readable-end-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lets the writer's stream reach the file. */
const drained = () => new Promise((resolve) => setTimeout(resolve, 50));

describe.skipIf(!hasFfmpeg)("ReadableEnd", () => {
  const frames = makeVp8Frames(dir, 3, 25);

  it("follows the whole Clusters on disk, not the frames held in memory, and reads only what was added", async () => {
    const file = path.join(dir, "growing.webm");
    const writer = new MkvWriter(file, { kind: "video", codec: "vp8", width: 320, height: 240 });
    const end = new ReadableEnd(file);
    await drained();
    expect(await end.read()).toBeNull();
    // 0..960 ms: one Cluster the writer still holds.
    for (let i = 0; i < 25; i++) writer.writeFrame(frames[i]!, i === 0, i * 40);
    await drained();
    expect(await end.read()).toBeNull();
    // The frame at 1000 ms starts the next Cluster, so the first one is written.
    writer.writeFrame(frames[25]!, false, 1000);
    await drained();
    expect(await end.read()).toBe(960);
    for (let i = 26; i < 60; i++) writer.writeFrame(frames[i]!, false, i * 40);
    await drained();
    expect(await end.read()).toBe(1960);
    await writer.close();
    expect(await end.read()).toBe(59 * 40);
    // A fresh reader of the closed file (its Segment size now patched in) agrees.
    expect(await new ReadableEnd(file).read()).toBe(59 * 40);
  });

  it("leaves a Cluster cut by the file's end for later, and takes it once it is whole", async () => {
    const whole = path.join(dir, "whole.webm");
    const writer = new MkvWriter(whole, { kind: "video", codec: "vp8", width: 320, height: 240 });
    for (let i = 0; i < 75; i++) writer.writeFrame(frames[i]!, i % 25 === 0, i * 40);
    await writer.close();
    const bytes = readFileSync(whole);
    const cut = path.join(dir, "cut.webm");
    writeFileSync(cut, bytes);
    // Cut inside the last Cluster (2000..2960 ms): a reader sees the end of the one before.
    truncateSync(cut, bytes.length - 200);
    const end = new ReadableEnd(cut);
    expect(await end.read()).toBe(1960);
    appendFileSync(cut, bytes.subarray(bytes.length - 200));
    expect(await end.read()).toBe(74 * 40);
  });

  it("answers null for a file that does not exist yet", async () => {
    expect(await new ReadableEnd(path.join(dir, "absent.webm")).read()).toBeNull();
  });
});
