import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listRecordingFiles, safeRelativePath } from "@/recorder/control/recording-files";
import { manifestPath } from "@/recorder/ingest/manifest";
import { sessionDirectory } from "@/recorder/ingest/recording-layout";
import { rawTrackFiles } from "@/recorder/pipeline/track-files";

const root = mkdtempSync(path.join(tmpdir(), "recording-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a recording's raw files as the control API lists them", () => {
  it("lists the track files of every participant folder the recorder writes, `:` in participant ids included", async () => {
    const expected: string[] = ["manifest.jsonl"];
    mkdirSync(path.join(root, "rec"), { recursive: true });
    writeFileSync(manifestPath(root, "rec"), "{}\n");
    for (const participantId of ["agent:c1a2b3", "visitor:v-9_x", "agent:c1a2b3:screen", "source:0b7f6c1e-2d4a-4e8b-9c1d-3f2e1a0b9c8d"]) {
      const dir = sessionDirectory(root, "rec", participantId, "s1");
      const files = rawTrackFiles(dir, { trackIndex: 0, kind: "video", codec: "vp8" });
      mkdirSync(dir, { recursive: true });
      writeFileSync(files.media, "x".repeat(10));
      writeFileSync(path.join(dir, "session.json"), "{}");
      expected.push(`${participantId}/s1/session.json`, `${participantId}/s1/track0-video.webm`);
    }
    const listed = await listRecordingFiles(root, "rec");
    expect(listed.map((f) => f.path).sort()).toEqual(expected.sort());
    expect(listed.find((f) => f.path === "agent:c1a2b3/s1/track0-video.webm")?.bytes).toBe(10);
  });

  it("accepts participant-id names and still refuses anything that could leave the recording's folder", () => {
    expect(safeRelativePath("agent:c1/s1/track0-video.webm")).toBe("agent:c1/s1/track0-video.webm");
    expect(safeRelativePath("visitor:v1:screen/s2/track1-audio.webm")).toBe("visitor:v1:screen/s2/track1-audio.webm");
    for (const bad of [
      "..",
      ".",
      "../x",
      "a/../b",
      "a/./b",
      "/etc/passwd",
      "a//b",
      "",
      ".hidden",
      "a\\..\\b",
      "a/b\0",
      "a b",
      "a/b/c/d/e",
    ]) {
      expect(safeRelativePath(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
