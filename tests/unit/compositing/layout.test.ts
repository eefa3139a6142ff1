import { describe, expect, it } from "vitest";
import { activeSpeakers } from "@/lib/compositing/active-speaker";
import { gridRects, layoutSegments, type Segment } from "@/lib/compositing/layout";
import { parseManifest } from "@/lib/compositing/manifest";
import { buildTimeline, type LayoutChange } from "@/lib/compositing/timeline";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

const range = { fromMs: T0, toMs: T0 + 20_000 };
const at = (segments: Segment[], ms: number) => segments.find((s) => ms >= s.fromMs && ms < s.toMs)!;
const ids = (s: Segment) => s.tiles.map((t) => `${t.participantId}:${t.source}`);

/** A camera participant with audio and video from joinMs to leaveMs (seconds-long tracks). */
function person(m: SyntheticRecording, id: string, joinMs: number, leaveMs = 20_000, opts: { video?: boolean } = {}) {
  m.session(`${id}-s`, id, id.toUpperCase(), "camera", joinMs);
  const audio = m.track(`${id}-s`, "audio", joinMs, leaveMs - joinMs);
  const video = opts.video === false ? undefined : m.track(`${id}-s`, "video", joinMs, leaveMs - joinMs, { width: 640, height: 480 });
  if (leaveMs < 20_000) m.end(`${id}-s`, leaveMs);
  return { audio, video };
}

function layout(m: SyntheticRecording, layoutChanges: LayoutChange[] = [], size = {}) {
  const timeline = buildTimeline({ events: parseManifest(m.text()).events, range, layoutChanges });
  return { timeline, segments: layoutSegments(timeline, size) };
}

function expectWellFormed(segments: Segment[], W = 1280, H = 720) {
  expect(segments[0].fromMs).toBe(0);
  expect(segments.at(-1)!.toMs).toBe(20_000);
  for (let i = 1; i < segments.length; i++) expect(segments[i].fromMs).toBe(segments[i - 1].toMs);
  for (const s of segments) {
    for (const t of s.tiles) {
      for (const v of [t.x, t.y, t.w, t.h]) expect(v % 2).toBe(0);
      expect(t.x + t.w).toBeLessThanOrEqual(W);
      expect(t.y + t.h).toBeLessThanOrEqual(H);
    }
  }
}

describe("grid layout", () => {
  it("tiles everyone present and re-tiles when someone joins or leaves, merging unchanged spans", () => {
    const m = new SyntheticRecording();
    person(m, "a", 0);
    person(m, "b", 4000, 12_000);
    person(m, "c", 8000);
    const { segments } = layout(m);
    expectWellFormed(segments);
    expect(segments.map((s) => [s.fromMs, s.toMs, ids(s).join(",")])).toEqual([
      [0, 4000, "a:camera"],
      [4000, 8000, "a:camera,b:camera"],
      [8000, 12_000, "a:camera,b:camera,c:camera"],
      [12_000, 20_000, "a:camera,c:camera"],
    ]);
    expect(segments[0].tiles[0]).toMatchObject({ x: 0, y: 0, w: 1280, h: 720, hasVideo: true, name: "A" });
    expect(segments[1].tiles.map((t) => [t.x, t.y, t.w, t.h])).toEqual([
      [0, 0, 640, 720],
      [640, 0, 640, 720],
    ]);
    // Three: 2×2 cells, the last row's single tile centred.
    expect(segments[2].tiles.map((t) => [t.x, t.y, t.w, t.h])).toEqual([
      [0, 0, 640, 360],
      [640, 0, 640, 360],
      [320, 360, 640, 360],
    ]);
  });

  it("grid cells for 5 and 10 people stay inside the frame without overlapping", () => {
    for (const n of [5, 10]) {
      const rects = gridRects(n, { x: 0, y: 0, w: 1280, h: 720 });
      expect(rects).toHaveLength(n);
      for (const [i, a] of rects.entries()) {
        for (const b of rects.slice(i + 1)) {
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap).toBe(false);
        }
      }
    }
  });

  it("shows a name tile for a participant without video, with video muted, or before video starts", () => {
    const m = new SyntheticRecording();
    person(m, "a", 0, 20_000, { video: false });
    m.session("b-s", "b", "B", "camera", 0);
    const v = m.track("b-s", "video", 3000, 17_000);
    m.mute("b-s", v.trackId, "video", true, 6000);
    m.mute("b-s", v.trackId, "video", false, 9000);
    const { segments } = layout(m, [], { width: 640, height: 360 });
    expectWellFormed(segments, 640, 360);
    const video = (ms: number) => at(segments, ms).tiles.map((t) => t.hasVideo);
    expect(video(1000)).toEqual([false, false]);
    expect(video(4000)).toEqual([false, true]);
    expect(video(7000)).toEqual([false, false]);
    expect(video(10_000)).toEqual([false, true]);
    expect(segments.map((s) => s.fromMs)).toEqual([0, 3000, 6000, 9000]);
  });
});

describe("screen-share layout", () => {
  it("switches automatically while a share runs (screen large, people at the side) and back to the chosen layout", () => {
    const m = new SyntheticRecording();
    person(m, "a", 0);
    person(m, "b", 0);
    m.session("a-screen", "a", "A", "screen", 5000);
    m.track("a-screen", "video", 5000, 5000, { width: 1920, height: 1080 });
    m.end("a-screen", 10_000);
    const { segments } = layout(m, [{ atMs: T0, layout: "active-speaker" }]);
    expectWellFormed(segments);
    expect(segments.map((s) => [s.fromMs, s.layout])).toEqual([
      [0, "active-speaker"],
      [5000, "screen-share"],
      [10_000, "active-speaker"],
    ]);
    const share = segments[1];
    expect(ids(share)).toEqual(["a:screen", "a:camera", "b:camera"]);
    const [screen, ...side] = share.tiles;
    expect(screen).toMatchObject({ x: 0, y: 0, h: 720 });
    expect(screen.w * screen.h).toBeGreaterThan(0.6 * 1280 * 720);
    for (const t of side) expect(t.x).toBeGreaterThanOrEqual(screen.w);
  });

  it("a chosen screen-share layout without any share falls back to grid", () => {
    const m = new SyntheticRecording();
    person(m, "a", 0);
    const { segments } = layout(m, [{ atMs: T0, layout: "screen-share" }]);
    expect(segments.map((s) => s.layout)).toEqual(["grid"]);
  });
});

describe("active-speaker layout", () => {
  function talk(holdAfter: number) {
    const m = new SyntheticRecording();
    const a = person(m, "a", 0);
    const b = person(m, "b", 0);
    const c = person(m, "c", 0);
    m.levels("a-s", a.audio.trackId, 0, 5000, -20);
    m.levels("b-s", b.audio.trackId, 5000, 5000 + holdAfter, -15); // b speaks louder from 5 s
    m.levels("a-s", a.audio.trackId, 5000, 20_000, -35);
    m.levels("c-s", c.audio.trackId, 0, 20_000, -70); // below the speaking threshold
    return layout(m, [{ atMs: T0, layout: "active-speaker" }]);
  }

  it("switches only after the new voice was the loudest for 1.5 s", () => {
    const { segments, timeline } = talk(6000);
    expect(activeSpeakers(timeline)).toEqual([
      { atMs: 0, participantId: "a" },
      { atMs: 6500, participantId: "b" },
      { atMs: 12_500, participantId: "a" },
    ]);
    expect(segments.map((s) => [s.fromMs, s.tiles[0].participantId])).toEqual([
      [0, "a"],
      [6500, "b"],
      [12_500, "a"],
    ]);
    const [main, ...strip] = segments[1].tiles;
    expect(main).toMatchObject({ x: 0, y: 0, w: 1280, h: 576 });
    expect(strip.map((t) => [t.y, t.h])).toEqual([
      [576, 144],
      [576, 144],
    ]);
  });

  it("ignores a voice that is the loudest for less than 1.5 s", () => {
    const { segments } = talk(1250);
    expect(segments.map((s) => s.tiles[0].participantId)).toEqual(["a"]);
  });

  it("keeps the current speaker on a tie and moves on at once when the speaker leaves", () => {
    const m = new SyntheticRecording();
    const a = person(m, "a", 0, 12_000);
    const b = person(m, "b", 0);
    m.levels("a-s", a.audio.trackId, 0, 12_000, -20);
    m.levels("b-s", b.audio.trackId, 2000, 20_000, -20);
    const { timeline, segments } = layout(m, [{ atMs: T0, layout: "active-speaker" }]);
    expect(activeSpeakers(timeline)).toEqual([
      { atMs: 0, participantId: "a" },
      { atMs: 12_000, participantId: "b" },
    ]);
    expect(segments.at(-1)!.tiles).toEqual([expect.objectContaining({ participantId: "b", w: 1280, h: 720 })]);
  });

  it("a muted microphone does not make anyone the speaker", () => {
    const m = new SyntheticRecording();
    const a = person(m, "a", 0);
    const b = person(m, "b", 0);
    m.levels("b-s", b.audio.trackId, 1000, 9000, -10);
    m.mute("b-s", b.audio.trackId, "audio", true, 0);
    m.levels("a-s", a.audio.trackId, 0, 20_000, -40);
    const { timeline } = layout(m, [{ atMs: T0, layout: "active-speaker" }]);
    expect(activeSpeakers(timeline)).toEqual([{ atMs: 0, participantId: "a" }]);
  });

  it("follows layout changes made while recording", () => {
    const m = new SyntheticRecording();
    person(m, "a", 0);
    person(m, "b", 0);
    const { segments } = layout(m, [
      { atMs: T0 + 3000, layout: "active-speaker" },
      { atMs: T0 + 9000, layout: "grid" },
    ]);
    expect(segments.map((s) => [s.fromMs, s.layout])).toEqual([
      [0, "grid"],
      [3000, "active-speaker"],
      [9000, "grid"],
    ]);
  });
});

describe("scale", () => {
  it("lays out an hour with four people and a level window every 250 ms in well under a few seconds", () => {
    const m = new SyntheticRecording();
    const hour = 3_600_000;
    const tracks = ["a", "b", "c", "d"].map((id) => {
      m.session(`${id}-s`, id, id, "camera", 0);
      return m.track(`${id}-s`, "audio", 0, hour);
    });
    // Each person talks for 20 s in turn.
    for (let t = 0; t < hour; t += 250) {
      tracks.forEach((tr, i) => {
        const dBov = Math.floor(t / 20_000) % 4 === i ? -15 : -45;
        m.levels(tr.trackId.split("/")[0], tr.trackId, t, t + 250, dBov);
      });
    }
    const started = Date.now();
    const timeline = buildTimeline({
      events: parseManifest(m.text()).events,
      range: { fromMs: T0, toMs: T0 + hour },
      defaultLayout: "active-speaker",
    });
    const segments = layoutSegments(timeline);
    expect(Date.now() - started).toBeLessThan(8000); // about 1.5 s here; the first version was quadratic (minutes)
    expect(segments).toHaveLength(hour / 20_000);
    expect(segments[1]).toMatchObject({ fromMs: 21_500, layout: "active-speaker" });
  }, 20_000);
});
