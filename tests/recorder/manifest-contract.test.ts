import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseJsonLines } from "@/lib/recording-manifest/jsonl";
import { ManifestWriter, readManifest } from "@/recorder/ingest/manifest";

const dir = mkdtempSync(path.join(tmpdir(), "manifest-contract-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the manifest contract on the recorder's side", () => {
  it("writes valid lines and refuses (reports, does not write) a line the schema rejects", () => {
    const errors: unknown[] = [];
    const writer = new ManifestWriter(dir, "rec", (err) => errors.push(err));
    writer.append({
      type: "session-start",
      atMs: 1,
      sessionId: "s",
      participantId: "agent:a",
      displayName: "A",
      source: "camera",
      offeredTracks: 2,
    });
    writer.append({ type: "audio-level", atMs: 2, sessionId: "s", trackId: "s/track0-audio", fromMs: 0, toMs: 250, dBov: 5, voice: 1 });
    writer.append({ type: "track-end", sessionId: "s", trackId: "s/track0-audio", durationMs: Number.NaN, frames: 3 });
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/invalid audio-level.*dBov/),
      expect.stringMatching(/invalid track-end.*durationMs/),
    ]);
    expect(readFileSync(writer.path, "utf8").trim().split("\n")).toHaveLength(1);
    expect(readManifest(dir, "rec")).toEqual([
      { type: "session-start", atMs: 1, sessionId: "s", participantId: "agent:a", displayName: "A", source: "camera", offeredTracks: 2 },
    ]);
  });

  it("tells a torn last line from a whole one still missing its newline, and from a bad line elsewhere", () => {
    expect(parseJsonLines('{"a":1}\nnope\n{"b":').skipped).toEqual([
      { lineNumber: 2, reason: "invalid-json" },
      { lineNumber: 3, reason: "torn-last-line" },
    ]);
    expect(parseJsonLines('{"a":1}\n{"b":').terminatedLength).toBe(8);
    expect(parseJsonLines('{"a":1}\n{"b":2}')).toMatchObject({
      tail: "whole",
      lines: [{ lineNumber: 1 }, { lineNumber: 2, value: { b: 2 } }],
    });
    expect(parseJsonLines('{"a":1}\n').tail).toBe("none");
  });
});
