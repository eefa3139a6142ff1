/**
 * Recorder start-up, written once: repair what a crash of the previous process left unfinished, then build
 * the WHIP ingest and the control API that share one recordings folder. The standalone recorder
 * (entrypoints/recorder.ts) serves them on its own HTTP server (serveRecorder); the web process mounts
 * `handle` on the app's server (server/recordings/co-located-recorder.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createRecorderControl, type RecorderControl } from "@/recorder/control";
import { createRecorderIngest, type PublisherClaims, type WhipHandler } from "@/recorder/ingest";
import { recoverUnfinishedSessions, type RecoveredRecording } from "@/recorder/recovery";

type Log = (event: string, data: Record<string, unknown>) => void;

/** Plain settings; the entry that starts the recorder parses them from its environment. */
export interface RecorderSettings {
  secret: string;
  directory: string;
  icePortRange: [number, number];
  loopback: boolean;
  publicIp?: string;
  /** undefined: any origin ("*"). */
  allowedOrigins?: string[];
  maxRecordingMs?: number;
  maxTracksPerRecording?: number;
  minFreeBytes?: number;
}

export interface RecorderHooks {
  log: Log;
  /** Log of the control API (default: `log`). */
  controlLog?: Log;
  /**
   * Who may publish: the app's recording control when co-located. Without it the control API decides
   * (a recording closed through DELETE takes no new sessions).
   */
  admit?: (claims: Required<PublisherClaims>) => Promise<void>;
  /** Runs after recovery and before the ingest exists, e.g. to mark the recovered recordings interrupted. */
  recovered?: (recordings: RecoveredRecording[]) => Promise<void>;
  /** Leave the folder as it is (the app records elsewhere and nothing here is its own). */
  skipRecovery?: boolean;
}

export interface StartedRecorder {
  ingest: WhipHandler;
  /** WHIP (/whip/…), the control API (/recordings/…, /health); false = not the recorder's. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** A participant's recording consent: into the manifest, and enforced on their sessions. */
  recordConsent: RecorderControl["recordConsent"];
  /** Finishes every session's files (Segment size, Duration, session.json). */
  close(): Promise<void>;
}

export async function startRecorder(settings: RecorderSettings, hooks: RecorderHooks): Promise<StartedRecorder> {
  // Before the ingest exists: a live session also lacks endedAtMs, so recovery must finish before any can start.
  if (!hooks.skipRecovery) {
    const recovered = await recoverUnfinishedSessions(settings.directory, { log: hooks.log });
    await hooks.recovered?.(recovered);
  }

  const control = createRecorderControl({ secret: settings.secret, directory: settings.directory, log: hooks.controlLog ?? hooks.log });
  const ingest = createRecorderIngest({
    tokenSecret: settings.secret,
    directory: settings.directory,
    icePortRange: settings.icePortRange,
    loopback: settings.loopback,
    iceAdditionalHostAddresses: settings.publicIp ? [settings.publicIp] : undefined,
    allowedOrigins: settings.allowedOrigins,
    maxRecordingMs: settings.maxRecordingMs,
    maxTracksPerRecording: settings.maxTracksPerRecording,
    minFreeBytes: settings.minFreeBytes,
    // The app decides who may publish when co-located; consent is enforced here either way.
    admit: hooks.admit
      ? async (claims) => {
          await hooks.admit!(claims);
          await control.admitConsent(claims);
        }
      : control.admit,
    log: hooks.log,
  });
  control.attachIngest(ingest);
  return {
    ingest,
    handle: async (req, res) => (await ingest(req, res)) || (await control(req, res)),
    recordConsent: control.recordConsent,
    close: () => ingest.closeAll("shutdown"),
  };
}

export interface ServedRecorder {
  port: number;
  readonly sessionCount: number;
  /** Stops accepting, finishes every session, then drops the remaining connections. */
  close(): Promise<void>;
}

/** The standalone recorder's own HTTP server: the recorder's routes, else 404. */
export async function serveRecorder(recorder: StartedRecorder, where: { host: string; port: number }, log: Log): Promise<ServedRecorder> {
  const server = http.createServer(async (req, res) => {
    try {
      if (await recorder.handle(req, res)) return;
      res.writeHead(404, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify({ error: "not-found" }));
    } catch (err) {
      log("request-error", { url: req.url, error: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(where.port, where.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : where.port,
    get sessionCount() {
      return recorder.ingest.sessionCount;
    },
    async close() {
      server.close();
      await recorder.close();
      server.closeAllConnections();
    },
  };
}
