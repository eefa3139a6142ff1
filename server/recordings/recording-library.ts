// Recordings after capture, as agents use them: list, details, presigned playback, keep, delete, layout.
// Only agents see recordings; the movie itself is only ever reached through short-lived presigned links.
import { rm } from "node:fs/promises";
import path from "node:path";
import { decodeSpans, encodeSpans, isActive, LAYOUTS, layoutOf, type Layout, type RecordingStatus } from "@/lib/domain/recording";
import { conflict, forbidden, notFound } from "@/lib/domain/result";
import { canSupervise } from "@/lib/domain/agent-account";
import type { AccessEntry, ClientInfo } from "@/lib/domain/recording-access";
import { canSeeRecording, recordingAudience, type RecordingVisibility } from "@/lib/domain/recording-visibility";
import type { RecordingAccessLog } from "@/server/recordings/recording-access-log";
import type { Identity } from "@/lib/realtime/identity";
import type { RecordingView } from "@/lib/realtime/views";
import { listRecordingSessions, type StoredSession } from "@/recorder/ingest";
import type { PrismaClient } from "@/server/platform/database/generated/client";
import { ObjectNotFoundError, type ObjectStorage, RangeNotSatisfiableError, webStream } from "@/server/platform/storage/object-storage";
import { attachmentDisposition, clampLinkSeconds, createDownloadLink, createPlaybackLink } from "@/server/recordings/playback-links";
import { mediaLinkPath, singleByteRange, verifyMediaLink } from "@/server/recordings/media-link";
import { chaptersKey, recordingPrefix, removeAllObjectsOf } from "@/server/recordings/recording-objects";
import { RecordingStore, type Applied } from "@/server/recordings/recording-store";
import { recordingInclude, type RecordingRow, recordingView } from "@/server/recordings/recording-view";
import { liveObject, livePlaylist } from "@/server/recordings/live/live-playback";
import { readLiveIndex } from "@/server/recordings/live/live-index";

export interface RecordingLibraryOptions {
  storage: ObjectStorage;
  /** Where the co-located recorder keeps raw tracks. */
  directory: string;
  linkSeconds: number;
  /**
   * Set for the embedded object store: playback and downloads go through the app's origin (`/media`), signed with
   * this secret, instead of presigned links to a store on 127.0.0.1.
   */
  appMediaSecret?: string;
  /** How long raw tracks stay after the movie is ready (RAW_FILES_GRACE_HOURS): a re-composite needs them. */
  rawGraceMs?: number;
  /** Each change (status, progress), to supervisors and admins and to the agents `audience` names ("all": every agent). */
  publish?: (view: RecordingView, audience: string[] | "all") => void;
  /** Which recordings agents see (RECORDINGS_VISIBLE_TO); supervisors and admins see all. Default "handled". */
  visibility?: RecordingVisibility;
  /** The access trail: every link issued, live view, keep, delete and layout change is written here first. */
  access: RecordingAccessLog;
}

const include = recordingInclude;
type Row = RecordingRow;
const ownersOf = (row: Row) => ({
  hostId: row.meetingPoint.hostId,
  ticketAgentId: row.meetingPoint.ticket?.agentId ?? null,
  starterId: row.startedById.startsWith("agent:") ? row.startedById.slice("agent:".length) : null,
});

export interface RecordingDetailsView extends RecordingView {
  spans: { from: string; to: string | null }[];
  sessions: StoredSession[];
  /** Its live output, when it has one: windows stored, whether closed, lag behind capture, rendering time. */
  live: { segments: number; seconds: number; ended: boolean; lagSeconds: number | null; renderSeconds: number | null } | null;
}

const movieFilename = (row: { id: string; startedAt: Date | null; createdAt: Date }) =>
  `recording-${(row.startedAt ?? row.createdAt).toISOString().slice(0, 16).replace(/[:T]/g, "-")}-${row.id.slice(0, 8)}.mp4`;

/** Armed, recording or paused: the recording is still being captured. */
const capturing = (row: { status: string }) => isActive({ status: row.status as RecordingStatus });

/** A write the domain refused (or that another change won) becomes the agent's error. */
function requireWon(applied: Applied): void {
  if (applied.won) return;
  if (applied.outcome.kind === "refused") throw applied.outcome.error;
  if (applied.outcome.kind === "allowed") throw conflict("the recording changed meanwhile; try again");
}

function requireAgentIdentity(who: Identity): asserts who is AgentIdentity {
  if (who.kind !== "agent") throw forbidden("recordings are visible to agents only");
}

type AgentIdentity = Extract<Identity, { kind: "agent" }>;

export class RecordingLibrary {
  /** Writes go through the store (the only writer of recordings); this class reads for views. */
  readonly store: RecordingStore;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly opts: RecordingLibraryOptions,
  ) {
    this.store = new RecordingStore(prisma);
  }

  async list(who: Identity, opts: { ticketId?: string; limit?: number } = {}): Promise<RecordingView[]> {
    requireAgentIdentity(who);
    const mine = canSeeRecording(who, { hostId: null, ticketAgentId: null }, this.visibility)
      ? {}
      : {
          OR: [{ meetingPoint: { hostId: who.id } }, { meetingPoint: { ticket: { agentId: who.id } } }, { startedById: `agent:${who.id}` }],
        };
    const rows = await this.prisma.recording.findMany({
      where: { ...(opts.ticketId ? { meetingPoint: { ticket: { id: opts.ticketId } } } : {}), ...mine },
      include,
      orderBy: { createdAt: "desc" },
      take: Math.min(opts.limit ?? 50, 200),
    });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async get(who: Identity, id: string): Promise<RecordingDetailsView> {
    requireAgentIdentity(who);
    const row = await this.visibleRow(who, id);
    const sessions = await listRecordingSessions(this.opts.directory, id);
    const spans = encodeSpans(decodeSpans(row.spans));
    const index = await readLiveIndex(this.opts.storage, id).catch(() => null);
    const live = index && {
      segments: index.segments.length,
      seconds: index.segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000,
      ended: index.ended,
      lagSeconds: index.lagMs === undefined ? null : index.lagMs / 1000,
      renderSeconds: index.renderSeconds ?? null,
    };
    return { ...(await this.view(row, sessions)), spans, sessions, live };
  }

  async playbackLink(
    who: Identity,
    id: string,
    opts: { download: boolean },
    client: ClientInfo,
  ): Promise<{ url: string; expiresAt: string }> {
    requireAgentIdentity(who);
    const row = await this.visibleRow(who, id);
    if (row.status !== "ready" || !row.movieKey) throw conflict(`the recording is ${row.status}, not ready to play`);
    await this.opts.access.record(who, id, opts.download ? "download" : "play", client);
    const base = { storage: this.opts.storage, key: row.movieKey, expiresInSeconds: this.opts.linkSeconds };
    if (this.opts.appMediaSecret) {
      const expires = Math.floor(Date.now() / 1000) + clampLinkSeconds(this.opts.linkSeconds);
      const url = mediaLinkPath(this.opts.appMediaSecret, { recordingId: id, download: opts.download, expires });
      return { url, expiresAt: new Date(expires * 1000).toISOString() };
    }
    const link = opts.download ? await createDownloadLink({ ...base, filename: movieFilename(row) }) : await createPlaybackLink(base);
    return { url: link.url, expiresAt: typeof link.expiresAt === "string" ? link.expiresAt : new Date(link.expiresAt).toISOString() };
  }

  /**
   * The movie's chapters (WebVTT, stored beside it) through the app's origin, so a `<track>` loads it without CORS on
   * the store: whoever may play the movie may read them. Not in the access trail (they are not the movie; each
   * play is). 404 for a movie made before chapters were.
   */
  async chapters(who: Identity, id: string): Promise<Response> {
    requireAgentIdentity(who);
    const row = await this.visibleRow(who, id);
    if (row.status !== "ready") throw conflict(`the recording is ${row.status}, not ready to play`);
    const text = await this.opts.storage.getBytes(chaptersKey(id)).then(
      (bytes) => bytes.toString("utf-8"),
      (err: unknown) => {
        if (err instanceof ObjectNotFoundError) return undefined;
        throw err;
      },
    );
    if (text === undefined) throw notFound("this recording has no chapters");
    return new Response(text, { headers: { "content-type": "text/vtt; charset=utf-8", "cache-control": "private, no-store" } });
  }

  /** Throws like the movie's routes do (404 for one `who` may not see, 403 for visitors) unless `who` may see it. */
  async requireVisible(who: Identity, id: string): Promise<void> {
    await this.visibleRow(who, id);
  }

  /** The HLS playlist of the recording's live output (EVENT while it runs; `vod` once stopped). */
  async livePlaylist(who: Identity, id: string, opts: { vod: boolean }, client: ClientInfo): Promise<Response> {
    requireAgentIdentity(who);
    const row = await this.visibleRow(who, id);
    const playlist = await livePlaylist(this.liveOptions(), row, opts);
    // Written once a playlist is handed out (its segment links are in it); a 409 "no segments yet" gives nothing.
    if (playlist.ok) await this.opts.access.record(who, id, opts.vod ? "play-hls" : "live-view", client);
    return playlist;
  }

  /** Every recording's access trail between two instants, as CSV (the route is for admins). */
  accessCsv(range: { from: Date; to: Date }): ReadableStream<Uint8Array> {
    return this.opts.access.csv(range);
  }

  /** The recording's access trail, newest first (supervisors and admins). */
  async accessTrail(who: Identity, id: string): Promise<AccessEntry[]> {
    requireAgentIdentity(who);
    if (!canSupervise(who.role)) throw forbidden("the access trail is for supervisors and admins");
    await this.visibleRow(who, id);
    return this.opts.access.forRecording(id);
  }

  async liveObject(
    who: Identity,
    id: string,
    link: { file: string; expires: number; sig: string; range: string | null },
  ): Promise<Response> {
    return liveObject(this.liveOptions(), await this.visibleRow(who, id), link);
  }

  private liveOptions() {
    return { storage: this.opts.storage, linkSeconds: this.opts.linkSeconds, appMediaSecret: this.opts.appMediaSecret };
  }

  /**
   * The movie through the app's origin (embedded store): the link's signature and expiry are checked, then the
   * object is streamed with the browser's byte range (206), inline or as an attachment.
   */
  async media(
    who: Identity,
    id: string,
    link: { expires: number; sig: string; download: boolean; range: string | null },
  ): Promise<Response> {
    requireAgentIdentity(who);
    const secret = this.opts.appMediaSecret;
    if (!secret) throw notFound("movies are served by the object store here");
    const verdict = verifyMediaLink(secret, { recordingId: id, download: link.download, expires: link.expires }, link.sig);
    if (!verdict.ok) throw forbidden(`playback link refused: ${verdict.reason}`);
    const row = await this.visibleRow(who, id);
    if (row.status !== "ready" || !row.movieKey) throw conflict(`the recording is ${row.status}, not ready to play`);
    const range = singleByteRange(link.range);
    const object = await this.opts.storage.getStream(row.movieKey, { range }).catch((err: unknown) => {
      if (err instanceof RangeNotSatisfiableError) return null;
      throw err;
    });
    if (!object) return new Response(null, { status: 416, headers: { "content-range": `bytes */${row.movieBytes ?? 0}` } });
    const headers = new Headers({
      "content-type": "video/mp4",
      "accept-ranges": "bytes",
      "cache-control": "private, no-store",
      "content-disposition": link.download ? attachmentDisposition(movieFilename(row)) : "inline",
    });
    if (object.contentLength !== undefined) headers.set("content-length", String(object.contentLength));
    if (object.contentRange) headers.set("content-range", object.contentRange);
    return new Response(webStream(object.body), { status: range && object.contentRange ? 206 : 200, headers });
  }

  /**
   * Marks the recording deleted, then deletes everything it owns in storage (movie, poster, uploaded raw tracks;
   * confirmed gone by a listing) and the co-located recorder's raw files. Allowed while it is being composited:
   * the job then loses its write and removes what it uploaded. Deleting again retries what the store refused;
   * raw files on another node's recorder (or in use by a running job) go with the raw-files sweep.
   */
  async remove(who: Identity, id: string, client: ClientInfo): Promise<RecordingView> {
    requireAgentIdentity(who);
    const before = await this.visibleRow(who, id);
    await this.opts.access.record(who, id, "delete", client, `status was ${before.status}`);
    const applied = await this.store.markDeleted(id, new Date());
    if (!applied.won && applied.outcome.kind !== "noop") requireWon(applied);
    const row = await this.row(id);
    const keys = [row.movieKey, row.posterKey].filter((k): k is string => !!k);
    try {
      await removeAllObjectsOf(this.opts.storage, { id, keys, prefix: recordingPrefix(id) });
    } catch (err) {
      throw conflict(`the store refused to delete: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (keys.length) await this.store.forgetObjects(id);
    // A compose job reading them loses its write anyway; its files then go with the next raw-files sweep.
    if (before.status !== "processing") await rm(path.join(this.opts.directory, id), { recursive: true, force: true });
    return this.changed(await this.row(id));
  }

  async update(who: Identity, id: string, patch: { keep?: boolean; layout?: Layout }, client: ClientInfo): Promise<RecordingView> {
    requireAgentIdentity(who);
    const row = await this.visibleRow(who, id);
    if (patch.layout !== undefined && patch.layout !== layoutOf(row.layout)) {
      await this.opts.access.record(who, id, "layout", client, `${layoutOf(row.layout)} → ${patch.layout}`);
    }
    if (patch.keep !== undefined && patch.keep !== row.keep) await this.opts.access.record(who, id, patch.keep ? "keep" : "unkeep", client);
    if (patch.layout !== undefined) {
      if (!LAYOUTS.includes(patch.layout)) throw conflict("unknown layout");
      if (capturing(row) && (who.kind !== "agent" || who.id !== row.meetingPoint.hostId))
        throw forbidden("only the meeting point's host changes the layout while recording");
      const grace = this.opts.rawGraceMs;
      if (row.status === "ready" && row.readyAt && grace !== undefined && Date.now() - row.readyAt.getTime() >= grace)
        throw conflict(
          `the raw tracks are removed ${Math.round(grace / 3_600_000)} h after the movie is ready (RAW_FILES_GRACE_HOURS): this movie's layout can no longer change`,
        );
      requireWon(await this.store.setLayout(id, patch.layout, new Date()));
    }
    if (patch.keep !== undefined) requireWon(await this.store.setKeep(id, patch.keep));
    return this.changed(await this.row(id));
  }

  /** Pushes the recording's current state to agents (called by the compositing pipeline too). */
  async announce(id: string): Promise<void> {
    const row = await this.prisma.recording.findUnique({ where: { id }, include });
    if (row) await this.changed(row);
  }

  private async changed(row: Row): Promise<RecordingView> {
    const view = await this.view(row);
    this.opts.publish?.(view, recordingAudience(ownersOf(row), this.visibility));
    return view;
  }

  /** The recording if `who` may see it; one they may not is answered like one that does not exist. */
  private async visibleRow(who: Identity, id: string): Promise<Row> {
    requireAgentIdentity(who);
    const row = await this.prisma.recording.findUnique({ where: { id }, include });
    if (!row || !canSeeRecording(who, ownersOf(row), this.visibility)) throw notFound("no such recording");
    return row;
  }

  private get visibility(): RecordingVisibility {
    return this.opts.visibility ?? "handled";
  }

  private async row(id: string): Promise<Row> {
    const row = await this.prisma.recording.findUnique({ where: { id }, include });
    if (!row) throw notFound("no such recording");
    return row;
  }

  private view(row: Row, sessions?: StoredSession[]): Promise<RecordingView> {
    return recordingView(row, { ...this.opts, sessions });
  }
}
