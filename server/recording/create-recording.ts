// The co-located recorder: its WHIP ingest mounted on the app's HTTP server, and the recording service
// that controls it. A separate recorder deployment shares RECORDER_SECRET and is named by RECORDER_WHIP_URL.
import { hkdfSync } from "node:crypto";
import path from "node:path";
import type { Env } from "../../lib/config/env";
import { createRecorderIngest, type WhipHandler } from "../../recorder/ingest";
import { RecordingService } from "../app/recordings";
import type { HelpDesk } from "../app/create-help-desk";
import { MeetingPointStore } from "../db/meeting-point-store";
import { RecordingStore } from "../db/recording-store";
import type { Logger } from "../logger";
import type { CoreServices } from "../services";

export interface Recorder {
  ingest: WhipHandler;
  recordings: RecordingService;
  close(): Promise<void>;
}

export function publisherSecret(env: Env, authSecret: string): string {
  return env.RECORDER_SECRET ?? Buffer.from(hkdfSync("sha256", authSecret, "video-help-desk", "recorder-publisher", 32)).toString("base64url");
}

export function createRecorder(env: Env, core: CoreServices, desk: HelpDesk, logger: Logger, publicUrl: string): Recorder {
  const directory = path.resolve(env.RECORDER_DIR ?? path.join(env.DATA_DIR, "recordings"));
  const secret = publisherSecret(env, core.authSecret);
  let ingest: WhipHandler | undefined;
  const recordings = new RecordingService(new RecordingStore(core.db.prisma), new MeetingPointStore(core.db.prisma), {
    publisherSecret: secret,
    whipBaseUrl: env.RECORDER_WHIP_URL ?? `${publicUrl}/whip`,
    directory,
    closeRecording: async (id) => ingest?.closeRecording(id),
  });
  ingest = createRecorderIngest({
    tokenSecret: secret,
    directory,
    icePortRange: env.RECORDER_ICE_PORT_RANGE,
    loopback: true,
    admit: (claims) => recordings.admit(claims),
    log: (event, data) => logger.info({ ...data, event }, "recorder"),
  });
  desk.meetingPoints.onLive((id) => recordings.callStarted(id));
  return { ingest, recordings, close: () => ingest!.closeAll("shutdown") };
}
