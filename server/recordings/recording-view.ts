// A recording as agents see it (RecordingView): its row, the raw sessions' participants, a presigned poster link.
import { layoutOf, recordingTitle } from "@/lib/domain/recording";
import type { RecordingView } from "@/lib/realtime/views";
import { listRecordingSessions, type StoredSession } from "@/recorder/ingest";
import type { Prisma } from "@/server/platform/database/generated/client";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { clampLinkSeconds } from "@/server/recordings/playback-links";

/** What every read of a recording loads with it: the meeting point's title and host, the ticket and its agent. */
export const recordingInclude = {
  meetingPoint: { select: { title: true, hostId: true, ticket: { select: { id: true, visitorName: true, agentId: true } } } },
  consents: { orderBy: { at: "asc" } },
} as const;
export type RecordingRow = Prisma.RecordingGetPayload<{ include: typeof recordingInclude }>;

export async function recordingView(
  row: RecordingRow,
  opts: { storage: ObjectStorage; directory: string; linkSeconds: number; sessions?: StoredSession[] },
): Promise<RecordingView> {
  const stored = opts.sessions ?? (await listRecordingSessions(opts.directory, row.id));
  const participants = [
    ...new Map(stored.map((s) => [s.participantId, { participantId: s.participantId, displayName: s.displayName }])).values(),
  ];
  const posterUrl =
    row.status === "ready" && row.posterKey
      ? await opts.storage.signedReadUrl(row.posterKey, { contentType: "image/jpeg", expiresInSeconds: clampLinkSeconds(opts.linkSeconds) })
      : null;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: row.id,
    meetingPointId: row.meetingPointId,
    ticketId: row.meetingPoint.ticket?.id ?? null,
    title: recordingTitle(row.meetingPoint.title, row.meetingPoint.ticket),
    status: row.status,
    progress: row.status === "processing" ? (row.progress ?? 0) : null,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    stoppedAt: iso(row.stoppedAt),
    readyAt: iso(row.readyAt),
    durationMs: row.durationMs,
    layout: layoutOf(row.layout),
    participants,
    consents: row.consents.map((c) => ({
      userId: c.userId,
      displayName: c.displayName,
      decision: c.decision,
      textSha256: c.textSha256,
      at: c.at.toISOString(),
    })),
    posterUrl,
    chaptersUrl: row.status === "ready" ? `/api/recordings/${row.id}/chapters` : null,
    movieBytes: row.movieBytes === null ? null : Number(row.movieBytes),
    expiresAt: row.keep ? null : iso(row.expiresAt),
    keep: row.keep,
    error: row.error,
  };
}
