// Stores recording consent decisions, append-only: the latest entry of a user counts.
import type { ConsentDecision, ConsentEntry } from "@/lib/domain/recording-consent";
import type { PrismaClient } from "@/server/platform/database/generated/client";

export class RecordingConsents {
  constructor(private readonly prisma: PrismaClient) {}

  async add(recordingId: string, entry: Omit<ConsentEntry, "at">): Promise<ConsentEntry> {
    const row = await this.prisma.recordingConsent.create({ data: { recordingId, ...entry } });
    return toEntry(row);
  }

  async of(recordingId: string): Promise<ConsentEntry[]> {
    const rows = await this.prisma.recordingConsent.findMany({ where: { recordingId }, orderBy: { at: "asc" } });
    return rows.map(toEntry);
  }
}

function toEntry(row: { userId: string; displayName: string; decision: ConsentDecision; textSha256: string; at: Date }): ConsentEntry {
  return { userId: row.userId, displayName: row.displayName, decision: row.decision, textSha256: row.textSha256, at: row.at };
}
