import { describe, expect, it } from "vitest";
import { activeSpeakers } from "@/lib/compositing/active-speaker";
import { compositeMp4Args, compositeWindowArgs, type CompositeRequest } from "@/lib/compositing/ffmpeg-args";
import { tileLabel, unrecordedTileColor } from "@/lib/compositing/filter-graph";
import { windowInputs } from "@/lib/compositing/inputs";
import { layoutSegments, type Segment } from "@/lib/compositing/layout";
import { closedWindow } from "@/lib/compositing/live";
import { parseManifest } from "@/lib/compositing/manifest";
import { buildTimeline, type LayoutChange, type Timeline, type TimeSpan } from "@/lib/compositing/timeline";
import { SyntheticRecording, T0 } from "@/tests/support/media/synthetic-recording";

// A participant who declined or withdrew recording consent: the recorder has nothing of theirs from the decision
// on (their sessions end there), and the movie shows their name tile marked "not recorded" while they are in the call.

const END = 20_000;
const at = (segments: Segment[], ms: number) => segments.find((s) => ms >= s.fromMs && ms < s.toMs)!;
const tiles = (s: Segment) => s.tiles.map((t) => `${t.participantId}:${t.hasVideo ? "video" : t.unrecorded ? "not-recorded" : "name"}`);

/** A camera participant with audio and video from joinMs to leaveMs; the session ends there unless that is the end. */
function person(m: SyntheticRecording, sessionId: string, participantId: string, joinMs: number, leaveMs = END, reason?: string) {
  m.session(sessionId, participantId, participantId.split(":")[1].toUpperCase(), "camera", joinMs);
  const audio = m.track(sessionId, "audio", joinMs, leaveMs - joinMs);
  const video = m.track(sessionId, "video", joinMs, leaveMs - joinMs, { width: 640, height: 480 });
  if (leaveMs < END) m.end(sessionId, leaveMs, reason);
  return { audio, video };
}

function timelineOf(m: SyntheticRecording, o: { spans?: TimeSpan[]; layoutChanges?: LayoutChange[]; toMs?: number } = {}): Timeline {
  const range = { fromMs: T0, toMs: T0 + (o.toMs ?? END) };
  return buildTimeline({ events: parseManifest(m.text()).events, range, spans: o.spans, layoutChanges: o.layoutChanges });
}

function request(timeline: Timeline): CompositeRequest {
  const segments = layoutSegments(timeline);
  return { timeline, segments, width: 1280, height: 720, fontFile: "/fonts/DejaVuSans.ttf", inputPath: (t) => `/rec/${t.file}` };
}

describe("participants without recording consent", () => {
  it("declined from the start: a 'not recorded' name tile for the whole movie, and no input of theirs", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    m.consent("visitor:ben", "Ben", "declined", 0);
    const timeline = timelineOf(m);
    const ben = timeline.sessions.filter((s) => s.participantId === "visitor:ben");
    expect(ben).toEqual([
      expect.objectContaining({ unrecorded: true, name: "Ben", presence: [{ fromMs: 0, toMs: END }], video: [], audio: [] }),
    ]);

    const req = request(timeline);
    expect(req.segments).toHaveLength(1);
    expect(tiles(req.segments[0])).toEqual(["agent:ann:video", "visitor:ben:not-recorded"]);
    const benTile = req.segments[0].tiles[1];
    expect(tileLabel(benTile)).toBe("Ben (not recorded)");

    const cmd = compositeMp4Args(req, "/out/movie.mp4");
    expect(cmd.inputs.map((i) => i.sessionId)).toEqual(["ann", "ann"]);
    expect(cmd.args.filter((a) => a.startsWith("/rec/")).every((f) => f.includes("agent:ann/"))).toBe(true);
    // One name tile in the greyed colour, the label centred in it.
    expect(cmd.filterGraph).toContain(`color=c=${unrecordedTileColor("visitor:ben")}:s=${benTile.w}x${benTile.h}`);
    expect(cmd.filterGraph).toMatch(/text=Ben \(not recorded\):fontcolor=white:fontsize=\d+:x=\(w-text_w\)\/2/);
  });

  it("withdrawn at 10 s: their camera tile until then, the 'not recorded' tile after, their audio only before", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    person(m, "ben", "visitor:ben", 0, 10_000, "consent-withdrawn");
    m.consent("visitor:ben", "Ben", "given", 0);
    m.consent("visitor:ben", "Ben", "withdrawn", 10_000);
    const timeline = timelineOf(m);
    const segments = layoutSegments(timeline);
    expect(segments.map((s) => [s.fromMs, s.toMs, tiles(s)])).toEqual([
      [0, 10_000, ["agent:ann:video", "visitor:ben:video"]],
      [10_000, END, ["agent:ann:video", "visitor:ben:not-recorded"]],
    ]);
    const benAudio = windowInputs(timeline, { fromMs: 0, toMs: END }).filter((i) => i.sessionId === "ben" && i.kind === "audio");
    expect(benAudio.map((i) => [i.fromMs, i.toMs])).toEqual([[0, 10_000]]);
  });

  it("the recorder ending their session a little after the decision: no second tile meanwhile", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    person(m, "ben", "visitor:ben", 0, 10_300, "consent-withdrawn");
    m.consent("visitor:ben", "Ben", "declined", 10_000);
    const segments = layoutSegments(timelineOf(m));
    expect(segments.map((s) => [s.fromMs, tiles(s)])).toEqual([
      [0, ["agent:ann:video", "visitor:ben:video"]],
      [10_300, ["agent:ann:video", "visitor:ben:not-recorded"]],
    ]);
  });

  it("a decision inside a pause counts from the next span's start (pauses removed, like any event)", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    person(m, "ben", "visitor:ben", 0, 10_000, "consent-withdrawn");
    m.consent("visitor:ben", "Ben", "withdrawn", 10_000);
    const spans = [
      { fromMs: T0, toMs: T0 + 8000 },
      { fromMs: T0 + 12_000, toMs: T0 + END },
    ];
    const timeline = timelineOf(m, { spans });
    expect(timeline.durationMs).toBe(16_000);
    expect(timeline.sessions.find((s) => s.unrecorded)?.presence).toEqual([{ fromMs: 8000, toMs: 16_000 }]);
    expect(layoutSegments(timeline).map((s) => [s.fromMs, s.toMs, tiles(s)])).toEqual([
      [0, 8000, ["agent:ann:video", "visitor:ben:video"]],
      [8000, 16_000, ["agent:ann:video", "visitor:ben:not-recorded"]],
    ]);

    // Withdrawn before a pause: the tile runs on across it, one span in output time.
    const early = new SyntheticRecording();
    person(early, "ann", "agent:ann", 0);
    person(early, "ben", "visitor:ben", 0, 5000, "consent-withdrawn");
    early.consent("visitor:ben", "Ben", "withdrawn", 5000);
    expect(timelineOf(early, { spans }).sessions.find((s) => s.unrecorded)?.presence).toEqual([{ fromMs: 5000, toMs: 16_000 }]);
  });

  it("consent given later ends the tile, and their camera appears as usual when they publish again", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    m.consent("visitor:ben", "Ben", "declined", 0);
    m.consent("visitor:ben", "Ben", "declined", 3000); // asked again, same answer: still one stretch
    m.consent("visitor:ben", "Ben", "given", 12_000);
    person(m, "ben2", "visitor:ben", 12_500);
    const timeline = timelineOf(m);
    expect(timeline.sessions.filter((s) => s.unrecorded).map((s) => s.presence)).toEqual([[{ fromMs: 0, toMs: 12_000 }]]);
    expect(layoutSegments(timeline).map((s) => [s.fromMs, tiles(s)])).toEqual([
      [0, ["agent:ann:video", "visitor:ben:not-recorded"]],
      [12_000, ["agent:ann:video"]],
      [12_500, ["agent:ann:video", "visitor:ben:video"]],
    ]);
  });

  it("is never the active speaker, and sits with the people beside a shared screen", () => {
    const m = new SyntheticRecording();
    m.consent("visitor:ben", "Ben", "declined", 0); // first in the call: first in the grid's order too
    const ann = person(m, "ann", "agent:ann", 1000);
    m.levels("ann", ann.audio.trackId, 1000, 6000, -70); // below the speaking threshold: nobody is speaking
    m.session("ann-screen", "agent:ann", "ANN", "screen", 6000);
    m.track("ann-screen", "video", 6000, 4000, { width: 1920, height: 1080 });
    m.end("ann-screen", 10_000);
    const timeline = timelineOf(m, { layoutChanges: [{ atMs: T0, layout: "active-speaker" }] });
    expect(activeSpeakers(timeline)).toEqual([{ atMs: 1000, participantId: "agent:ann" }]);
    const segments = layoutSegments(timeline);
    // Alone in the call before Ann joins; then Ann is the main tile although Ben came first.
    expect(tiles(at(segments, 500))).toEqual(["visitor:ben:not-recorded"]);
    expect(at(segments, 3000).layout).toBe("active-speaker");
    expect(tiles(at(segments, 3000))).toEqual(["agent:ann:video", "visitor:ben:not-recorded"]);
    const share = at(segments, 8000);
    expect(share.layout).toBe("screen-share");
    expect(share.tiles.map((t) => [t.participantId, t.source, t.x])).toEqual([
      ["agent:ann", "screen", 0],
      ["visitor:ben", "camera", 960],
      ["agent:ann", "camera", 960],
    ]);
  });

  it("live windows show it from the window after the decision, the same as the final movie's", () => {
    const m = new SyntheticRecording();
    person(m, "ann", "agent:ann", 0);
    person(m, "ben", "visitor:ben", 0, 10_000, "consent-withdrawn");
    m.consent("visitor:ben", "Ben", "withdrawn", 10_000);
    const final = request(timelineOf(m));
    const graph = (req: CompositeRequest, window: TimeSpan) => compositeWindowArgs({ ...req, window }, "/w.ts", "/w.wav").filterGraph;
    let rendered = 0;
    const windows: TimeSpan[] = [];
    for (let now = 1000; now <= END; now += 1000) {
      // The manifest as the recorder has written it by `now`; the recording's spans so far end now.
      const sofar = new SyntheticRecording();
      for (const line of m.lines) if (line.atMs <= T0 + now) sofar.append(line);
      const live = request(timelineOf(sofar, { toMs: now }));
      for (let w = closedWindow(rendered, 5760, now, now === END); w; w = closedWindow(rendered, 5760, now, now === END)) {
        expect(graph(live, w), `window ${w.fromMs}-${w.toMs} at ${now} ms`).toBe(graph(final, w));
        windows.push(w);
        rendered = w.toMs;
      }
    }
    expect(windows.at(-1)?.toMs).toBe(END);
    const after = windows.find((w) => w.fromMs >= 10_000)!;
    expect(graph(final, after)).toContain("Ben (not recorded)");
    expect(graph(final, windows[0])).not.toContain("not recorded");
  });
});
