import { describe, expect, it } from "vitest";
import { parseManifest } from "@/lib/compositing/manifest";
import { buildTimeline, SpanMap } from "@/lib/compositing/timeline";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

describe("parseManifest", () => {
  it("types every known event, skips a torn last line and reports bad lines without failing", () => {
    const m = new SyntheticRecording();
    m.session("s1", "p1", "Ann", "camera", 0);
    const v = m.track("s1", "video", 100, 2000, { ntpMs: 9_000, width: 640, height: 480 });
    m.levels("s1", v.trackId, 0, 500, -30);
    m.mute("s1", v.trackId, "video", true, 700);
    m.end("s1", 3000);
    const text = `${m.text().replace("\n", '\n{"type":"session-start","atMs":"soon"}\nnot json\n')}{"type":"session-e`;
    const { events, skipped } = parseManifest(text);
    expect(events.map((e) => e.type)).toEqual([
      "session-start",
      "track-start",
      "track-sync",
      "video-size",
      "track-end",
      "audio-level",
      "audio-level",
      "mute",
      "session-end",
    ]);
    expect(skipped).toEqual([
      { lineNumber: 2, reason: "invalid-event:session-start" },
      { lineNumber: 3, reason: "invalid-json" },
      { lineNumber: 12, reason: "torn-last-line" },
    ]);
    const start = events[1];
    expect(start.type === "track-start" && start.mediaZeroMs).toBe(T0 + 100);
  });

  it("ignores unknown event types (a newer recorder) and blank lines", () => {
    const { events, skipped } = parseManifest('\n{"type":"future-thing","atMs":1,"sessionId":"x"}\n\n');
    expect(events).toEqual([]);
    expect(skipped).toEqual([{ lineNumber: 2, reason: "invalid-event:future-thing" }]);
  });
});

describe("buildTimeline", () => {
  const range = { fromMs: T0, toMs: T0 + 10_000 };

  it("places tracks relative to the recording start and aligns audio to video with the sender clock", () => {
    const m = new SyntheticRecording();
    m.session("s1", "p1", "Ann", "camera", 0);
    m.track("s1", "video", 400, 5000, { ntpMs: 50_000 });
    // Audio's first packet arrived at 250 ms, but the sender captured it 30 ms after video's first frame.
    m.track("s1", "audio", 250, 5000, { ntpMs: 50_030 });
    m.session("s2", "p2", "Ben", "camera", 1000);
    m.track("s2", "audio", 1200, 3000); // no track-sync: arrival time is all we have
    const t = buildTimeline({ events: parseManifest(m.text()).events, range });
    const [ann, ben] = t.sessions;
    expect(ann.video[0].offsetMs).toBe(400);
    expect(ann.audio[0].offsetMs).toBe(430);
    expect(ann.audio[0].pieces).toEqual([{ fileFromMs: 0, fileToMs: 5000, outFromMs: 430 }]);
    expect(ben.audio[0].pieces).toEqual([{ fileFromMs: 0, fileToMs: 3000, outFromMs: 1200 }]);
    expect(ann.presence).toEqual([{ fromMs: 0, toMs: 10_000 }]); // never ended: present until the recording stops
    expect(t.durationMs).toBe(10_000);
  });

  it("does not trust sender clocks that disagree with arrival by seconds", () => {
    const m = new SyntheticRecording();
    m.session("s1", "p1", "Ann", "camera", 0);
    m.track("s1", "video", 400, 5000, { ntpMs: 50_000 });
    m.track("s1", "audio", 250, 5000, { ntpMs: 90_000 });
    const t = buildTimeline({ events: parseManifest(m.text()).events, range });
    expect(t.sessions[0].audio[0].offsetMs).toBe(250);
  });

  it("keeps only media inside capture spans and lays the spans end to end", () => {
    const m = new SyntheticRecording();
    m.session("s1", "p1", "Ann", "camera", 0);
    m.track("s1", "video", 1000, 8000);
    m.end("s1", 9500);
    // Paused from 3 s to 6 s.
    const spans = [
      { fromMs: T0, toMs: T0 + 3000 },
      { fromMs: T0 + 6000, toMs: T0 + 10_000 },
    ];
    const t = buildTimeline({ events: parseManifest(m.text()).events, range, spans });
    expect(t.durationMs).toBe(7000);
    expect(t.sessions[0].video[0].pieces).toEqual([
      { fileFromMs: 0, fileToMs: 2000, outFromMs: 1000 },
      { fileFromMs: 5000, fileToMs: 8000, outFromMs: 3000 },
    ]);
    expect(t.sessions[0].presence).toEqual([{ fromMs: 0, toMs: 6500 }]);
  });

  it("maps mutes, audio levels and layout changes to output time", () => {
    const m = new SyntheticRecording();
    m.session("s1", "p1", "Ann", "camera", 0);
    const v = m.track("s1", "video", 0, 9000);
    const a = m.track("s1", "audio", 0, 9000);
    m.mute("s1", v.trackId, "video", true, 2000);
    m.mute("s1", v.trackId, "video", false, 4000);
    m.mute("s1", a.trackId, "audio", true, 7000);
    m.levels("s1", a.trackId, 1000, 1500, -20);
    const t = buildTimeline({
      events: parseManifest(m.text()).events,
      range,
      spans: [{ fromMs: T0 + 500, toMs: T0 + 10_000 }],
      layoutChanges: [
        { atMs: T0, layout: "active-speaker" },
        { atMs: T0 + 5000, layout: "grid" },
        { atMs: T0 + 20_000, layout: "grid" },
      ],
    });
    const s = t.sessions[0];
    expect(s.videoMuted).toEqual([{ fromMs: 1500, toMs: 3500 }]);
    expect(s.audioMuted).toEqual([{ fromMs: 6500, toMs: 9500 }]);
    expect(s.levels).toEqual([
      { fromMs: 500, toMs: 750, dBov: -20, voice: 1 },
      { fromMs: 750, toMs: 1000, dBov: -20, voice: 1 },
    ]);
    expect(t.initialLayout).toBe("active-speaker");
    expect(t.layoutChanges).toEqual([{ atMs: 4500, layout: "grid" }]);
  });

  it("SpanMap sends an instant inside a pause to the next span", () => {
    const map = new SpanMap({ fromMs: 0, toMs: 100 }, [
      { fromMs: 0, toMs: 10 },
      { fromMs: 50, toMs: 100 },
    ]);
    expect([map.mapInstant(5), map.mapInstant(30), map.mapInstant(60), map.mapInstant(200)]).toEqual([5, 10, 20, undefined]);
  });
});

describe("start estimates", () => {
  it("prefers the last track-sync's alignedZeroMs over first-packet arrival, and keeps lip sync from the sender clock", () => {
    const lines = [
      { type: "session-start", atMs: T0, sessionId: "s", participantId: "p", displayName: "P", source: "camera" },
      {
        type: "track-start",
        atMs: T0 + 100,
        sessionId: "s",
        trackId: "s/track0-video",
        kind: "video",
        codec: "vp8",
        file: "v.webm",
        mediaZeroMs: T0 + 100,
      },
      {
        type: "track-start",
        atMs: T0 + 90,
        sessionId: "s",
        trackId: "s/track1-audio",
        kind: "audio",
        codec: "opus",
        file: "a.webm",
        mediaZeroMs: T0 + 90,
      },
      // Sender clock 5 s ahead; the first estimate is improved by a later report (less transit).
      { type: "track-sync", atMs: T0 + 600, sessionId: "s", trackId: "s/track0-video", mediaZeroNtpMs: T0 + 5040, alignedZeroMs: T0 + 60 },
      { type: "track-sync", atMs: T0 + 900, sessionId: "s", trackId: "s/track0-video", mediaZeroNtpMs: T0 + 5040, alignedZeroMs: T0 + 45 },
      { type: "track-sync", atMs: T0 + 700, sessionId: "s", trackId: "s/track1-audio", mediaZeroNtpMs: T0 + 5020, alignedZeroMs: T0 + 27 },
    ];
    const text = lines.map((l) => JSON.stringify(l)).join("\n");
    const t = buildTimeline({ events: parseManifest(text).events, range: { fromMs: T0, toMs: T0 + 5000 } });
    const [session] = t.sessions;
    expect(session!.video[0]!.offsetMs).toBe(45);
    // Audio sits 20 ms before video by the sender's clock, whatever the transit estimates say.
    expect(session!.audio[0]!.offsetMs).toBe(25);
  });
});
