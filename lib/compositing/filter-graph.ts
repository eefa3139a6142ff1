import type { MediaInput } from "@/lib/compositing/inputs";
import type { Segment, Tile } from "@/lib/compositing/layout";
import type { TimeSpan } from "@/lib/compositing/timeline";

/**
 * The filter graph of one render window. Order of drawing: a colour base; every tile's background (a colour per
 * participant, with the name centred so a tile without video is a name tile and never black); the videos,
 * shown only during their segments (cameras cropped to fill their tile, a shared screen fitted whole); the name labels on top. Audio: every track placed at its time, gaps and the lead-in filled with
 * silence by aresample's async mode, mixed without normalisation and padded to the exact window length.
 */

export interface GraphOptions {
  width: number;
  height: number;
  fps: number;
  /** TrueType font for names; null draws name tiles as colour only (no drawtext). */
  fontFile: string | null;
}

export interface FilterGraph {
  graph: string;
  videoLabel: string;
  audioLabel: string;
}

const BACKGROUND = "0x1f2430";
// Muted, clearly non-black colours for name tiles; chosen per participant so a person keeps a colour.
export const TILE_COLORS = ["0x3b6ea5", "0x8e5ba6", "0x3f8f6b", "0xb0693a", "0xa64d5f", "0x5a6fb3", "0x7d8a3c", "0x3d8f96"];

export function tileColor(participantId: string): string {
  let h = 0;
  for (const c of participantId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return TILE_COLORS[h % TILE_COLORS.length];
}

/** Someone not recorded: their colour mostly greyed and darkened (still lighter than the background, white text legible). */
export function unrecordedTileColor(participantId: string): string {
  const v = Number.parseInt(tileColor(participantId).slice(2), 16);
  const rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  const grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  const dim = rgb.map((c) => Math.round(0.75 * (0.35 * c + 0.65 * grey)));
  return `0x${dim.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

const sec = (ms: number) => (ms / 1000).toFixed(3);
const during = (a: number, b: number) => `'gte(t,${sec(a)})*lt(t,${sec(b)})'`;

const MAX_LABEL = 40;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a tile name must not carry
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** drawtext's text= value: option-level then graph-level escaping; expansion is off so % is plain. */
export function escapeText(text: string): string {
  const clean = text.replace(CONTROL_CHARACTERS, " ").trim().slice(0, MAX_LABEL) || "?";
  const level1 = clean.replace(/[\\':]/g, (c) => `\\${c}`);
  return level1.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** What a tile's label says: a screen or someone not recorded is marked so (the mark is never cut off). */
export function tileLabel(tile: Pick<Tile, "name" | "source" | "unrecorded">): string {
  const mark = tile.unrecorded ? " (not recorded)" : tile.source === "screen" ? " (screen)" : "";
  const name = tile.name.replace(CONTROL_CHARACTERS, " ").trim() || "?";
  return `${name.slice(0, MAX_LABEL - mark.length)}${mark}`;
}

function escapePath(p: string): string {
  return p.replace(/[\\':]/g, (c) => `\\${c}`).replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** Letterboxed size of a source of aspect srcW:srcH inside a tile, even values. */
export function fitInside(srcW: number, srcH: number, w: number, h: number): { w: number; h: number } {
  const scale = Math.min(w / srcW, h / srcH);
  return { w: Math.max(2, 2 * Math.floor((srcW * scale) / 2)), h: Math.max(2, 2 * Math.floor((srcH * scale) / 2)) };
}

export function buildFilterGraph(segments: Segment[], inputs: MediaInput[], windowMs: TimeSpan, o: GraphOptions): FilterGraph {
  const D = windowMs.toMs - windowMs.fromMs;
  // Segment edges snapped up to the output's frame grid, so every filter switches on the same frame.
  const onGrid = (ms: number) => (Math.ceil((ms * o.fps) / 1000 - 1e-6) * 1000) / o.fps;
  const local = segments
    .map((s) => ({
      ...s,
      fromMs: onGrid(Math.max(s.fromMs, windowMs.fromMs) - windowMs.fromMs),
      toMs: onGrid(Math.min(s.toMs, windowMs.toMs) - windowMs.fromMs),
    }))
    .filter((s) => s.toMs > s.fromMs);
  const chains: string[] = [`color=c=${BACKGROUND}:s=${o.width}x${o.height}:r=${o.fps}:d=${sec(D)},format=yuv420p[bg]`];
  let canvas = "bg";
  let step = 0;
  const overlay = (source: string, x: number, y: number) => {
    const next = `c${++step}`;
    chains.push(`[${canvas}][${source}]overlay=x=${x}:y=${y}:eof_action=pass:repeatlast=0[${next}]`);
    canvas = next;
  };

  // Tile backgrounds: a small colour source per tile and segment, overlaid (drawbox fills cost 4× more), with the
  // name centred when the tile has no video; video tiles get theirs too, as the letterbox colour and as the
  // picture shown until the first frame arrives.
  const labels: string[] = [];
  for (const [si, seg] of local.entries()) {
    for (const [ti, tile] of seg.tiles.entries()) {
      const name = `t${si}x${ti}`;
      const label = tileLabel(tile);
      const text = o.fontFile ? `fontfile=${escapePath(o.fontFile)}:expansion=none:text=${escapeText(label)}:fontcolor=white` : "";
      // At most ~90% of the tile's width (about 0.6 em a character), so a long label is not cut at the tile's edges.
      const fontsize = Math.max(12, Math.round(Math.min(tile.h / 6, tile.w / 10, (1.5 * tile.w) / label.length)));
      const centred = !tile.hasVideo && text ? `,drawtext=${text}:fontsize=${fontsize}:x=(w-text_w)/2:y=(h-text_h)/2` : "";
      const colour = tile.unrecorded ? unrecordedTileColor(tile.participantId) : tileColor(tile.participantId);
      chains.push(
        `color=c=${colour}:s=${tile.w}x${tile.h}:r=${o.fps}:d=${sec(seg.toMs - seg.fromMs)},format=yuv420p${centred},` +
          `setpts=PTS+${sec(seg.fromMs)}/TB[${name}]`,
      );
      overlay(name, tile.x, tile.y);
      if (tile.hasVideo && text) {
        const size = Math.max(10, Math.round(Math.min(tile.h / 14, tile.w / 16, o.height / 30)));
        const pad = Math.round(size / 3);
        labels.push(
          `drawtext=${text}:fontsize=${size}:box=1:boxcolor=black@0.55:boxborderw=${pad}:` +
            `x=${tile.x + 2 * pad}:y=${tile.y + tile.h - size - 3 * pad}:enable=${during(seg.fromMs, seg.toMs)}`,
        );
      }
    }
  }

  inputs.forEach((input, index) => {
    if (input.kind !== "video") return;
    const uses = local.flatMap((seg) =>
      seg.tiles
        .filter((t) => t.hasVideo && t.sessionId === input.sessionId)
        .map((tile) => ({ tile, from: Math.max(seg.fromMs, input.fromMs), to: Math.min(seg.toMs, input.toMs) }))
        .filter((u) => u.to > u.from),
    );
    if (uses.length === 0) return;
    // fps puts frames on the output's 1/fps grid, so a trimmed branch has a frame exactly at its segment's first
    // output frame (no one-frame flash of the name tile at a re-tile) and gaps repeat the last picture.
    const head = `[${index}:v]setpts=PTS+${sec(input.shiftMs)}/TB,fps=${o.fps}`;
    const names = uses.map((_, k) => `v${index}s${k}`);
    chains.push(uses.length === 1 ? `${head}[${names[0]}]` : `${head},split=${uses.length}${names.map((n) => `[${n}]`).join("")}`);
    uses.forEach((u, k) => {
      const trim = `[${names[k]}]trim=start=${sec(u.from)}:end=${sec(u.to)}`;
      if (u.tile.source === "screen") {
        // A shared screen is shown whole: fitted, never cropped (its edges carry text and controls).
        const fit = fitInside(input.track.width ?? 16, input.track.height ?? 9, u.tile.w, u.tile.h);
        const x = u.tile.x + Math.floor((u.tile.w - fit.w) / 4) * 2;
        const y = u.tile.y + Math.floor((u.tile.h - fit.h) / 4) * 2;
        chains.push(`${trim},scale=${fit.w}:${fit.h},setsar=1[${names[k]}f]`);
        overlay(`${names[k]}f`, x, y);
        return;
      }
      // A camera fills its tile: scaled to cover it and cropped at the centre (a 4:3 camera in a wide cell would
      // otherwise leave most of the cell as bands). Decided per frame, so a camera that changes size still fills.
      const w = Math.max(2, 2 * Math.floor(u.tile.w / 2));
      const h = Math.max(2, 2 * Math.floor(u.tile.h / 2));
      chains.push(`${trim},scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1[${names[k]}f]`);
      overlay(`${names[k]}f`, u.tile.x, u.tile.y);
    });
  });
  chains.push(`[${canvas}]${labels.length ? `${labels.join(",")},` : ""}format=yuv420p[vout]`);

  const audio = inputs.map((input, index) => ({ input, index })).filter((x) => x.input.kind === "audio");
  for (const { input, index } of audio) {
    chains.push(
      `[${index}:a]asetpts=PTS+${sec(input.shiftMs)}/TB,aresample=48000:async=1:first_pts=0,` +
        `aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo[a${index}]`,
    );
  }
  const mixed = audio.length
    ? `${audio.map((a) => `[a${a.index}]`).join("")}amix=inputs=${audio.length}:normalize=0:dropout_transition=0:duration=longest,`
    : `anullsrc=r=48000:cl=stereo,`;
  // apad + atrim: the mix always lasts exactly the window, never shorter (no clipped ending), never longer.
  chains.push(`${mixed}apad,atrim=end_sample=${Math.round(D * 48)},asetpts=N/SR/TB[aout]`);
  return { graph: chains.join(";\n"), videoLabel: "[vout]", audioLabel: "[aout]" };
}
