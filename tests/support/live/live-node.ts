// A stand-in for the web node capturing a recording, run as its own process so a test can SIGKILL it: it writes a
// two-person recording whose media starts at the recording's start (real VP8/Opus files and the recorder's own
// manifest writer) and composites it live with the production LiveComposer, into the test's S3 server.
// Configuration: LIVE_NODE (JSON). Prints one JSON line {"msg":"following"} once it composites.
import path from "node:path";
import { z } from "zod";
import { createLogger } from "@/server/platform/logger";
import { openObjectStore } from "@/server/platform/object-store";
import { createLiveComposer } from "@/server/recordings/live/live-composer";
import { T0, writeTwoPersonRecording } from "@/tests/support/media/synthetic-recording";

const config = z
  .object({
    recordingsDir: z.string(),
    recordingId: z.string(),
    startMs: z.number(),
    seconds: z.number(),
    endpoint: z.string(),
    bucket: z.string(),
    accessKeyId: z.string(),
    secretAccessKey: z.string(),
    workDir: z.string(),
    windowMs: z.number(),
    rawTracks: z.boolean().default(false),
  })
  .parse(JSON.parse(process.env.LIVE_NODE ?? "{}"));

writeTwoPersonRecording(path.join(config.recordingsDir, config.recordingId), config.seconds, config.startMs - T0);
const storage = await openObjectStore({
  endpoint: config.endpoint,
  region: "us-east-1",
  bucket: config.bucket,
  accessKeyId: config.accessKeyId,
  secretAccessKey: config.secretAccessKey,
  forcePathStyle: true,
  embeddedDir: "",
  embeddedPort: 0,
});
const spans = [{ from: new Date(config.startMs), to: null }];
const live = createLiveComposer({
  storage,
  recordingsDir: config.recordingsDir,
  workDir: config.workDir,
  windowMs: config.windowMs,
  settleMs: 1500,
  output: { width: 640, height: 360 },
  read: async () => ({ spans, layout: "grid", layoutChanges: [] }),
  rawTracks: config.rawTracks ? {} : undefined,
  logger: createLogger(process.env.LOG_LEVEL ?? "silent"),
});
await live.follow({
  id: config.recordingId,
  meetingPointId: "mp",
  status: "recording",
  startedById: "agent",
  createdAt: new Date(config.startMs),
  startedAt: new Date(config.startMs),
  stoppedAt: null,
  spans,
  destination: null,
});
console.log(JSON.stringify({ msg: "following" }));
// The composer's timers do not hold a process open (a server's listening socket does): this one waits to be killed.
setInterval(() => undefined, 60_000);
