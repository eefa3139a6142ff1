// Writes and reads the recordings' access trail (RecordingAccess). Writing happens before the access is granted:
// if the entry cannot be stored, no link is handed out. Nothing here updates an entry; the database refuses it.
import {
  type AccessAction,
  type AccessEntry,
  type ClientInfo,
  csvHeader,
  csvRow,
  LIVE_VIEW_ENTRY_EVERY_MS,
} from "@/lib/domain/recording-access";
import type { Identity } from "@/lib/realtime/identity";
import type { PrismaClient } from "@/server/platform/database/generated/client";

type AgentIdentity = Extract<Identity, { kind: "agent" }>;

const view = (row: Omit<AccessEntry, "at" | "action"> & { at: Date; action: string }): AccessEntry => ({
  ...row,
  action: row.action as AccessAction,
  at: row.at.toISOString(),
});

export class RecordingAccessLog {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now = () => new Date(),
  ) {}

  async record(who: AgentIdentity, recordingId: string, action: AccessAction, client: ClientInfo, detail?: string): Promise<void> {
    if (action === "live-view") {
      const since = new Date(this.now().getTime() - LIVE_VIEW_ENTRY_EVERY_MS);
      const recent = await this.prisma.recordingAccess.count({ where: { recordingId, actorId: who.id, action, at: { gte: since } } });
      if (recent) return;
    }
    await this.prisma.recordingAccess.create({
      data: {
        recordingId,
        action,
        detail: detail ?? null,
        actorId: who.id,
        actorUsername: who.username,
        actorRole: who.role,
        clientIp: client.ip.slice(0, 64),
        userAgent: client.userAgent.slice(0, 400),
        at: this.now(),
      },
    });
  }

  /** Newest first. */
  async forRecording(recordingId: string, limit = 500): Promise<AccessEntry[]> {
    const rows = await this.prisma.recordingAccess.findMany({ where: { recordingId }, orderBy: { at: "desc" }, take: limit });
    return rows.map(view);
  }

  /** The trail between two instants as CSV, oldest first, read in pages so a year of entries streams. */
  csv(range: { from: Date; to: Date }): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    const prisma = this.prisma;
    let cursor: string | undefined;
    let started = false;
    return new ReadableStream({
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(`${csvHeader()}\r\n`));
        }
        const rows = await prisma.recordingAccess.findMany({
          where: { at: { gte: range.from, lt: range.to } },
          orderBy: [{ at: "asc" }, { id: "asc" }],
          take: 1000,
          ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        });
        if (rows.length) controller.enqueue(encoder.encode(rows.map((r) => `${csvRow(view(r))}\r\n`).join("")));
        if (rows.length < 1000) controller.close();
        else cursor = rows.at(-1)!.id;
      },
    });
  }

  /** Deletes entries older than `before`: the only delete the database lets through (its trigger checks the flag). */
  async purgeOlderThan(before: Date): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL vhd.audit_purge = 'on'");
      return tx.recordingAccess.deleteMany({ where: { at: { lt: before } } }).then((r) => r.count);
    });
  }
}
