// The only writer of Recording rows. Every status change is decided by the domain (lib/domain/recording-lifecycle)
// and written conditionally on the status it was decided from, so a writer that lost a race learns it (and
// decides again against the winner's status) instead of overwriting it: a stop is never undone by a late
// callStarted, a deleted recording never comes back as ready, a kept one is never expired.
import {
  capturedMs,
  decodeLayoutChanges,
  decodeSpans,
  encodeSpans,
  layoutOf,
  transition,
  type Layout,
  type LifecycleEvent,
  type LifecycleOutcome,
  type Recording,
  type RecordingStatus,
} from "@/lib/domain/recording";
import { chooseLayout } from "@/lib/domain/recording-lifecycle";
import { notFound } from "@/lib/domain/result";
import type { Prisma, PrismaClient } from "@/server/platform/database/generated/client";
import type { Tx } from "@/server/help-desk/meeting-point-store";
import { recordingPrefix } from "@/server/recordings/recording-objects";

export type RecordingRow = Prisma.RecordingGetPayload<object>;

/** The result of a conditional write: `won` when this writer's change is the one stored. */
export interface Applied {
  won: boolean;
  /** The domain's decision against the status the write was tried on (the winner's, when lost). */
  outcome: LifecycleOutcome;
  /** The row as it was before the write (won), or as it is now (lost); null when there is no such recording. */
  row: RecordingRow | null;
}

/** What a compositing job needs of the recording it claimed. */
export interface CompositingInput {
  destination: string | null;
  spans: Recording["spans"];
  layout: Layout;
  layoutChanges: { atMs: number; layout: Layout }[];
  durationMs: number | null;
}

export interface ComposedMovie {
  movieKey: string;
  posterKey: string;
  movieBytes: number;
  durationMs: number | null;
  readyAt: Date;
  expiresAt: Date | null;
}

export interface ExpiryCandidate {
  id: string;
  keys: string[];
  prefix: string;
}

function toDomain(row: RecordingRow): Recording {
  return {
    id: row.id,
    meetingPointId: row.meetingPointId,
    status: row.status as RecordingStatus,
    startedById: row.startedById,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    stoppedAt: row.stoppedAt,
    spans: decodeSpans(row.spans),
    destination: row.destination,
  };
}

const keysOf = (row: { movieKey: string | null; posterKey: string | null }) =>
  [row.movieKey, row.posterKey].filter((k): k is string => !!k);

export class RecordingStore {
  constructor(private readonly prisma: PrismaClient) {}

  async forMeetingPoint(meetingPointId: string, tx: Tx | PrismaClient = this.prisma): Promise<Recording[]> {
    const rows = await tx.recording.findMany({ where: { meetingPointId }, orderBy: { createdAt: "asc" } });
    return rows.map(toDomain);
  }

  async find(id: string): Promise<Recording | null> {
    const row = await this.prisma.recording.findUnique({ where: { id } });
    return row ? toDomain(row) : null;
  }

  async insert(recording: Recording, tx: Tx | PrismaClient = this.prisma): Promise<void> {
    await tx.recording.create({
      data: {
        id: recording.id,
        meetingPointId: recording.meetingPointId,
        status: recording.status,
        startedById: recording.startedById,
        createdAt: recording.createdAt,
        startedAt: recording.startedAt,
        spans: encodeSpans(recording.spans),
        destination: recording.destination,
      },
    });
  }

  /**
   * Stores a capture-state change the domain made from a recording that was `from`; false when the stored
   * recording is no longer `from` (another change won, and stays).
   */
  async save(recording: Recording, from: RecordingStatus, tx: Tx | PrismaClient = this.prisma): Promise<boolean> {
    // Captured media only: pauses are not part of the movie.
    const durationMs = recording.stoppedAt ? capturedMs(recording, recording.stoppedAt) : null;
    const { count } = await tx.recording.updateMany({
      where: { id: recording.id, status: from },
      data: {
        status: recording.status,
        startedAt: recording.startedAt,
        stoppedAt: recording.stoppedAt,
        durationMs,
        spans: encodeSpans(recording.spans),
      },
    });
    return count === 1;
  }

  /** A compositing job takes the recording (stopped, interrupted, failed, or processing after a crash). */
  async claimForCompositing(id: string): Promise<Applied & { input?: CompositingInput }> {
    const applied = await this.apply(id, "composeStarted", () => ({ progress: 0, error: null }));
    if (!applied.won || !applied.row) return applied;
    const row = applied.row;
    const input = {
      destination: row.destination,
      spans: decodeSpans(row.spans),
      layout: layoutOf(row.layout),
      layoutChanges: decodeLayoutChanges(row.layoutChanges),
      durationMs: row.durationMs,
    };
    return { ...applied, input };
  }

  /** What live compositing renders from, as it stands: capture spans, layout and layout changes. */
  async liveSource(id: string): Promise<Pick<CompositingInput, "spans" | "layout" | "layoutChanges"> | null> {
    const row = await this.prisma.recording.findUnique({ where: { id } });
    return row
      ? { spans: decodeSpans(row.spans), layout: layoutOf(row.layout), layoutChanges: decodeLayoutChanges(row.layoutChanges) }
      : null;
  }

  /** Progress of the job holding it; late progress never lands on a recording that moved on. */
  async reportProgress(id: string, percent: number): Promise<boolean> {
    const { count } = await this.prisma.recording.updateMany({ where: { id, status: "processing" }, data: { progress: percent } });
    return count === 1;
  }

  async markComposed(id: string, movie: ComposedMovie): Promise<Applied> {
    return this.apply(id, "composed", (row) => ({
      progress: null,
      error: null,
      movieKey: movie.movieKey,
      // A processing recording's layout cannot change: this is the layout the job composited.
      composedLayout: { layout: layoutOf(row.layout), layoutChanges: decodeLayoutChanges(row.layoutChanges) },
      posterKey: movie.posterKey,
      movieBytes: BigInt(movie.movieBytes),
      durationMs: movie.durationMs ?? row.durationMs,
      readyAt: movie.readyAt,
      expiresAt: movie.expiresAt,
    }));
  }

  /**
   * The job gave up. A recording that already has a movie (made again for a layout chosen after the fact) goes
   * back to ready with that movie and the layout it was made with, the failure kept in `error`; others fail.
   */
  async markCompositingFailed(id: string, message: string): Promise<Applied> {
    const before = await this.prisma.recording.findUnique({ where: { id }, select: { movieKey: true, composedLayout: true } });
    const previous = before?.movieKey ? composedLayoutOf(before.composedLayout) : null;
    if (previous) {
      const applied = await this.apply(
        id,
        "recomposeFailed",
        () => ({
          error: `The movie could not be made again with the new layout (${message.slice(0, 800)}); the ${previous.layout} movie made before is kept.`,
          progress: null,
          layout: previous.layout,
          layoutChanges: previous.layoutChanges,
        }),
        { movieKey: before!.movieKey },
      );
      if (applied.won || applied.outcome.kind !== "refused") return applied;
    }
    return this.apply(id, "composeFailed", () => ({ error: message.slice(0, 1000), progress: null }));
  }

  /**
   * The node capturing it is gone (its live output stopped being written): the recording ends as interrupted at
   * `at`, like a recorder that restarted, and goes on to compositing from what was stored.
   */
  async markLost(id: string, at: Date): Promise<Applied> {
    return this.apply(id, "interrupt", (row) => ({
      stoppedAt: at,
      spans: encodeSpans(decodeSpans(row.spans).map((s) => (s.to ? s : { ...s, to: new Date(Math.max(at.getTime(), s.from.getTime())) }))),
    }));
  }

  /** Recordings being captured, on whichever node (the live-output watch checks each one's heartbeat). */
  async capturing(): Promise<string[]> {
    const rows = await this.prisma.recording.findMany({ where: { status: { in: ["recording", "paused"] } }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  /** Captured recordings without a movie yet (after a restart, nothing is forgotten). */
  async compositingBacklog(): Promise<string[]> {
    const rows = await this.prisma.recording.findMany({
      where: { status: { in: ["stopped", "interrupted", "processing"] } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** The same backlog with each one's status (the compose reconciler decides by it). */
  async awaitingMovie(): Promise<{ id: string; status: RecordingStatus }[]> {
    const rows = await this.prisma.recording.findMany({
      where: { status: { in: ["stopped", "interrupted", "processing"] } },
      select: { id: true, status: true },
    });
    return rows.map((r) => ({ id: r.id, status: r.status as RecordingStatus }));
  }

  /** Status and ready time of these recordings (the raw-files sweep decides by them); unknown ids are absent. */
  async rawFileStates(ids: string[]): Promise<Map<string, { status: RecordingStatus; readyAt: Date | null }>> {
    const rows = await this.prisma.recording.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, readyAt: true } });
    return new Map(rows.map((r) => [r.id, { status: r.status as RecordingStatus, readyAt: r.readyAt }]));
  }

  /** Ready recordings past retention, and expired or deleted ones whose objects are not confirmed gone yet. */
  async dueForExpiry(now: Date): Promise<ExpiryCandidate[]> {
    const rows = await this.prisma.recording.findMany({
      where: {
        OR: [
          { status: "ready", keep: false, expiresAt: { lt: now } },
          { status: { in: ["expired", "deleted"] }, OR: [{ movieKey: { not: null } }, { posterKey: { not: null } }] },
        ],
      },
      select: { id: true, movieKey: true, posterKey: true },
    });
    return rows.map((r) => ({ id: r.id, keys: keysOf(r), prefix: recordingPrefix(r.id) }));
  }

  /**
   * The sweep claims a recording before deleting its objects: false when it must not touch them (kept or
   * changed meanwhile). An expired or deleted one whose objects are still listed is cleaned up again.
   */
  async claimExpiry(id: string, now: Date): Promise<boolean> {
    const applied = await this.apply(id, "expire", () => ({}), { keep: false, expiresAt: { lt: now } });
    if (applied.won) return true;
    return applied.row !== null && (applied.row.status === "expired" || applied.row.status === "deleted");
  }

  /** The objects of an expired or deleted recording are confirmed gone. */
  async forgetObjects(id: string): Promise<void> {
    await this.prisma.recording.updateMany({
      where: { id, status: { in: ["expired", "deleted"] } },
      data: { movieKey: null, posterKey: null },
    });
  }

  /** Objects uploaded for a recording that went away meanwhile, to be deleted (by the caller, else the sweep). */
  async noteLeftoverObjects(id: string, keys: { movieKey: string; posterKey: string }): Promise<void> {
    await this.prisma.recording.updateMany({ where: { id, status: { in: ["expired", "deleted"] } }, data: keys });
  }

  /** Marks it deleted (its objects go next; their keys stay until `forgetObjects`). */
  async markDeleted(id: string, now: Date): Promise<Applied> {
    return this.apply(id, "delete", () => ({ deletedAt: now, progress: null }));
  }

  async setKeep(id: string, keep: boolean): Promise<Applied> {
    return this.apply(id, "keep", () => ({ keep }));
  }

  async setLayout(id: string, layout: Layout, now: Date): Promise<Applied> {
    return this.apply(id, "layout", (row) =>
      chooseLayout(row.status as RecordingStatus, layout, decodeLayoutChanges(row.layoutChanges), now.getTime()),
    );
  }

  /**
   * Decides `event` against the stored status and writes it only if the status is still the one decided
   * from (and `where` holds). On a lost race it decides again against the new status.
   */
  private async apply(
    id: string,
    event: LifecycleEvent,
    data: (row: RecordingRow) => Prisma.RecordingUpdateManyMutationInput,
    where: Prisma.RecordingWhereInput = {},
  ): Promise<Applied> {
    let row = await this.prisma.recording.findUnique({ where: { id } });
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!row) return { won: false, outcome: { kind: "refused", error: notFound("no such recording") }, row: null };
      const outcome = transition(row.status as RecordingStatus, event);
      if (outcome.kind !== "allowed") return { won: false, outcome, row };
      const { count } = await this.prisma.recording.updateMany({
        where: { ...where, id, status: row.status },
        data: { ...data(row), status: outcome.to },
      });
      if (count === 1) return { won: true, outcome, row };
      const now = await this.prisma.recording.findUnique({ where: { id } });
      // Same status: the extra condition no longer holds (e.g. kept meanwhile).
      if (now && now.status === row.status) return { won: false, outcome: { kind: "noop" }, row: now };
      row = now;
    }
    return { won: false, outcome: { kind: "noop" }, row };
  }
}

/** The stored `composedLayout`, or null when absent (movies made before it was recorded) or unreadable. */
/** The layout a stored movie was made with (Recording.composedLayout); null when unknown (made before it was kept). */
export function composedLayoutOf(json: unknown): { layout: Layout; layoutChanges: { atMs: number; layout: Layout }[] } | null {
  if (!json || typeof json !== "object" || !("layout" in json)) return null;
  const stored = json as { layout: unknown; layoutChanges?: unknown };
  return typeof stored.layout === "string"
    ? { layout: layoutOf(stored.layout), layoutChanges: decodeLayoutChanges(stored.layoutChanges) }
    : null;
}
