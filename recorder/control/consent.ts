// Recording consent at the recorder: the app tells it each participant's decision; the recorder writes it into the
// recording's manifest, ends a participant's sessions when consent is declined or withdrawn, and refuses their new
// ones until it is given again. The decisions are kept on disk (consent.json), so a restart keeps refusing.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CONSENT_DECISIONS, type ConsentDecision } from "@/lib/recording-manifest/schema";
import { ManifestWriter } from "@/recorder/ingest/manifest";

export const CONSENT_FILE = "consent.json";

/** What the app sends: `PUT …/recordings/{id}/consent`. */
export const consentRequest = z
  .object({
    participantId: z.string().min(1).max(200),
    displayName: z.string().max(200),
    decision: z.enum(CONSENT_DECISIONS),
    textSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256"),
  })
  .strict();
export type ConsentRequest = z.infer<typeof consentRequest>;

/** A participant's own sessions: their camera (`visitor:<id>`) and their screen share (`visitor:<id>:screen`). */
export function isParticipantOrTheirs(participantId: string, sessionParticipantId: string): boolean {
  return sessionParticipantId === participantId || sessionParticipantId.startsWith(`${participantId}:`);
}

/** The participant a session's id belongs to, for consent (a screen share follows its sharer). */
export function consentSubject(sessionParticipantId: string): string {
  const [kind, id] = sessionParticipantId.split(":");
  return id === undefined ? sessionParticipantId : `${kind}:${id}`;
}

export class ConsentLedger {
  // One decision at a time per recording: consent.json is read, changed and replaced.
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly directory: string) {}

  /** The latest decision per participant of a recording. */
  async decisions(recordingId: string): Promise<Record<string, ConsentDecision>> {
    try {
      return JSON.parse(await readFile(this.file(recordingId), "utf8")) as Record<string, ConsentDecision>;
    } catch {
      return {};
    }
  }

  async refuses(recordingId: string, sessionParticipantId: string): Promise<boolean> {
    const decision = (await this.decisions(recordingId))[consentSubject(sessionParticipantId)];
    return decision === "declined" || decision === "withdrawn";
  }

  /** Stores the decision (atomically: written aside, then renamed) and appends it to the manifest. */
  record(recordingId: string, request: ConsentRequest, atMs = Date.now()): Promise<void> {
    const run = (this.queues.get(recordingId) ?? Promise.resolve()).then(() => this.write(recordingId, request, atMs));
    const settled = run.catch(() => undefined);
    this.queues.set(recordingId, settled);
    void settled.then(() => {
      if (this.queues.get(recordingId) === settled) this.queues.delete(recordingId);
    });
    return run;
  }

  private async write(recordingId: string, request: ConsentRequest, atMs: number): Promise<void> {
    await mkdir(path.join(this.directory, recordingId), { recursive: true });
    const next = { ...(await this.decisions(recordingId)), [request.participantId]: request.decision };
    const tmp = `${this.file(recordingId)}.tmp`;
    await writeFile(tmp, JSON.stringify(next));
    await rename(tmp, this.file(recordingId));
    let failure: unknown;
    new ManifestWriter(this.directory, recordingId, (err) => (failure = err)).append({ type: "consent", atMs, ...request });
    if (failure) throw failure;
  }

  private file(recordingId: string): string {
    return path.join(this.directory, recordingId, CONSENT_FILE);
  }
}
