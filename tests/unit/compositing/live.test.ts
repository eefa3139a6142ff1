import { describe, expect, it } from "vitest";
import {
  closedWindow,
  isBlankWindow,
  keptAacFrames,
  LOOKAHEAD_MS,
  liveWindowMs,
  mediaPlaylist,
  windowPreset,
  windowUnitSamples,
} from "@/lib/compositing/live";

describe("live windows", () => {
  it("are whole video and AAC frames: 320 ms units at 25 fps, 533.3 ms at 30", () => {
    expect(windowUnitSamples(25)).toBe(15_360);
    expect(liveWindowMs(6000, 25)).toBe(5760);
    expect(liveWindowMs(100, 25)).toBe(320);
    expect(liveWindowMs(6000, 30)).toBeCloseTo(5866.67, 1);
    expect(() => windowUnitSamples(7)).toThrow(/whole samples/);
  });

  it("close once the lookahead past their end is captured, in whole units, at least 1.92 s, at most the window", () => {
    expect(closedWindow(0, 5760, 1900, false)).toBeNull();
    expect(closedWindow(0, 5760, 1920 + LOOKAHEAD_MS, false)).toEqual({ fromMs: 0, toMs: 1920 });
    expect(closedWindow(0, 5760, 3000, false)).toEqual({ fromMs: 0, toMs: 2880 });
    // Behind: a full window, the rest on the next pass.
    expect(closedWindow(1920, 5760, 60_000, false)).toEqual({ fromMs: 1920, toMs: 7680 });
    // After Stop the rest is one window, whatever its length.
    expect(closedWindow(7680, 5760, 9000, true)).toEqual({ fromMs: 7680, toMs: 9000 });
    expect(closedWindow(9000, 5760, 9000, true)).toBeNull();
    // ...in whole video frames: a sliver of a few ms still gives ffmpeg one frame to encode.
    expect(closedWindow(9000, 5760, 9010, true)).toEqual({ fromMs: 9000, toMs: 9040 });
    expect(closedWindow(0, 5760, 3, true)).toEqual({ fromMs: 0, toMs: 40 });
  });

  it("take a window for blank when nobody is present in it or in the audio it borrows on either side", () => {
    const w = { fromMs: 4000, toMs: 6000 };
    expect(isBlankWindow([], w)).toBe(true);
    expect(
      isBlankWindow(
        [
          { fromMs: 0, toMs: 3000 },
          { fromMs: 7000, toMs: 9000 },
        ],
        w,
      ),
    ).toBe(true);
    expect(isBlankWindow([{ fromMs: 0, toMs: 3990 }], w)).toBe(false);
    expect(isBlankWindow([{ fromMs: 6010, toMs: 9000 }], w)).toBe(false);
    expect(isBlankWindow([{ fromMs: 4500, toMs: 5000 }], w)).toBe(false);
  });

  it("keep the AAC frames that cover the window: after the priming frame and the preroll, one per 1024 samples", () => {
    expect(keptAacFrames(5760)).toEqual({ first: 3, count: 270 });
    expect(keptAacFrames(1000)).toEqual({ first: 3, count: 47 });
  });

  it("are listed in an HLS playlist: EVENT while running, closed at Stop, VOD once ready", () => {
    const segments = [
      { index: 0, durationMs: 5760 },
      { index: 1, durationMs: 2000 },
    ];
    const live = mediaPlaylist({ segments, windowMs: 5760, ended: false, initUri: "i.mp4", segmentUri: (i) => `s${i}.m4s` });
    expect(live).toBe(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n" +
        '#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI="i.mp4"\n#EXTINF:5.760,\ns0.m4s\n#EXTINF:2.000,\ns1.m4s\n',
    );
    const vod = mediaPlaylist({ segments, windowMs: 5760, ended: true, vod: true, initUri: "i.mp4", segmentUri: (i) => `s${i}.m4s` });
    expect(vod).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(vod.endsWith("#EXT-X-ENDLIST\n")).toBe(true);
  });

  it("catches up with the faster preset of the same parameter sets only while another window is closed behind", () => {
    expect(windowPreset("veryfast", 0)).toBe("veryfast");
    expect(windowPreset("veryfast", 1899)).toBe("veryfast");
    expect(windowPreset("veryfast", 1900)).toBe("superfast");
    expect(windowPreset("veryfast", 60_000)).toBe("superfast");
    // No preset with the same headers is known for the others: they keep theirs.
    expect(windowPreset("medium", 60_000)).toBe("medium");
    expect(windowPreset("superfast", 60_000)).toBe("superfast");
  });
});
