import { describe, expect, it } from "vitest";
import { chapterAt, chaptersToWebVtt, escapeCueText, formatVttTime, parseWebVttChapters } from "@/lib/compositing/webvtt";

describe("WebVTT chapters", () => {
  it("formats times as HH:MM:SS.mmm", () => {
    expect(formatVttTime(0)).toBe("00:00:00.000");
    expect(formatVttTime(1_234)).toBe("00:00:01.234");
    expect(formatVttTime(61_005)).toBe("00:01:01.005");
    expect(formatVttTime(3_600_000 + 59 * 60_000 + 59_999)).toBe("01:59:59.999");
    expect(formatVttTime(100 * 3_600_000)).toBe("100:00:00.000");
    expect(formatVttTime(1.6)).toBe("00:00:00.002");
    expect(formatVttTime(-5)).toBe("00:00:00.000");
  });

  it("writes a header and one cue per chapter", () => {
    const text = chaptersToWebVtt([
      { startMs: 0, endMs: 5_000, title: "Recording started · Ann joined" },
      { startMs: 5_000, endMs: 62_500, title: "Ben joined" },
    ]);
    expect(text).toBe(
      "WEBVTT\n\nchapter-1\n00:00:00.000 --> 00:00:05.000\nRecording started · Ann joined\n\nchapter-2\n00:00:05.000 --> 00:01:02.500\nBen joined\n",
    );
  });

  it("escapes what would be markup or a timing line in a name, and keeps a title on one line", () => {
    expect(escapeCueText("A&B <b>x</b> --> y")).toBe("A&amp;B &lt;b&gt;x&lt;/b&gt; --&gt; y");
    expect(escapeCueText("two\nlines\r\n")).toBe("two lines ");
    const text = chaptersToWebVtt([{ startMs: 0, endMs: 1_000, title: "Zoë --> <i>&amp; joined" }]);
    expect(text).not.toMatch(/Zoë -->/);
    expect(text.split("\n").filter((l) => l.includes("-->"))).toHaveLength(1);
  });

  it("leaves out empty cues", () => {
    expect(chaptersToWebVtt([{ startMs: 5, endMs: 5, title: "x" }])).toBe("WEBVTT\n");
  });

  it("parses what it writes, titles unescaped", () => {
    const chapters = [
      { startMs: 0, endMs: 5_000, title: "Recording started" },
      { startMs: 5_000, endMs: 3_725_042, title: "Zoë & <Ben> --> joined" },
    ];
    expect(parseWebVttChapters(chaptersToWebVtt(chapters))).toEqual(chapters);
  });

  it("parses ordinary chapter files: CRLF, BOM, MM:SS times, cues without ids, NOTE blocks, cue settings", () => {
    const text =
      "\uFEFFWEBVTT - chapters\r\n\r\nNOTE made by hand\r\n\r\n00:01.000 --> 00:02.500 align:start\r\nIntro\r\n\r\nc2\r\n00:00:02.500 --> 00:00:04.000\r\nTwo\r\nlines\r\n";
    expect(parseWebVttChapters(text)).toEqual([
      { startMs: 1_000, endMs: 2_500, title: "Intro" },
      { startMs: 2_500, endMs: 4_000, title: "Two lines" },
    ]);
  });

  it("anything that is not WebVTT is no chapters", () => {
    expect(parseWebVttChapters("")).toEqual([]);
    expect(parseWebVttChapters("<Error><Code>NoSuchKey</Code></Error>")).toEqual([]);
    expect(parseWebVttChapters("WEBVTTX\n\n00:00.000 --> 00:01.000\nx")).toEqual([]);
  });

  it("finds the chapter playing at a time", () => {
    const chapters = [
      { startMs: 1_000, endMs: 5_000, title: "a" },
      { startMs: 5_000, endMs: 9_000, title: "b" },
    ];
    expect(chapterAt(chapters, 0)).toBe(-1);
    expect(chapterAt(chapters, 1_000)).toBe(0);
    expect(chapterAt(chapters, 4_999)).toBe(0);
    expect(chapterAt(chapters, 5_000)).toBe(1);
    expect(chapterAt(chapters, 20_000)).toBe(1);
  });
});
