// The only module that reads process.env. Everything else receives a parsed `Env` (the app) or a
// `RecorderEnv` (the standalone recorder, `npm run recorder`).
import { isIP } from "node:net";
import { z } from "zod";
import { DEFAULT_CONSENT_TEXT } from "@/lib/domain/recording-consent";
import type { FailureKind } from "@/lib/errors/catalog";
import { parseEvidenceKey, SigningKeyError } from "@/lib/evidence/signing-key";

const bool = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => v === "true" || v === "1" || v === "yes");

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const postgresUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
}, "must be a postgres:// or postgresql:// URL with a host");

const httpUrl = z.string().refine((v) => /^https?:\/\/[^/]+/.test(v), "must be an http(s) URL");

const iceServers = z
  .array(
    z.object({
      urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/), z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1)]),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  )
  .max(10);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // Loopback unless told otherwise: the demo accounts' passwords are in the README (lib/security/listen-policy.ts).
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: port.default(3000),
  PUBLIC_URL: httpUrl.optional(),
  /**
   * This node's own address when several app nodes run behind one PUBLIC_URL (reachable by browsers and by the
   * other nodes). Recordings started here are then ingested by this node's recorder at NODE_URL/whip, whichever
   * node a participant is connected to, and workers on other hosts fetch the raw files from it.
   */
  NODE_URL: httpUrl.optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().min(1).default(".data"),
  TRUST_PROXY: bool.default(false),

  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: positiveInt.max(100).default(10),
  PGLITE_PORT: port.default(0),

  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  SESSION_MAX_AGE_SECONDS: positiveInt.default(8 * 3600),
  VISITOR_TOKEN_TTL_SECONDS: positiveInt.default(2 * 3600),
  LOGIN_WINDOW_SECONDS: positiveInt.default(15 * 60),
  LOGIN_MAX_FAILURES_PER_USER: positiveInt.default(10),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt.default(50),
  /** Per user and window: tickets opened and chat messages sent (0 turns a limit off). Shared across nodes with REDIS_URL. */
  RATE_LIMIT_TICKETS: z.coerce.number().int().min(0).default(10),
  RATE_LIMIT_TICKETS_WINDOW_SECONDS: positiveInt.default(60),
  RATE_LIMIT_CHAT: z.coerce.number().int().min(0).default(20),
  RATE_LIMIT_CHAT_WINDOW_SECONDS: positiveInt.default(10),
  /** Per client address (visitor identities are free): tokens issued, tickets opened, open connections, events. */
  RATE_LIMIT_VISITOR_TOKENS: z.coerce.number().int().min(0).default(30),
  RATE_LIMIT_VISITOR_TOKENS_WINDOW_SECONDS: positiveInt.default(600),
  RATE_LIMIT_TICKETS_PER_IP: z.coerce.number().int().min(0).default(30),
  MAX_VISITOR_CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(20),
  SOCKET_EVENTS_PER_10_SECONDS: z.coerce.number().int().min(0).default(200),

  PRESENCE_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** TURN relays (coturn with use-auth-secret): per-user credentials that expire, renewed by the pages. */
  TURN_URLS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, "each must be a turn: or turns: URL")).min(1))
    .optional(),
  TURN_SECRET: z.string().min(16, "must be at least 16 characters (coturn's static-auth-secret)").optional(),
  TURN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  ICE_SERVERS: z
    .string()
    .transform((text, ctx) => {
      try {
        return iceServers.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a JSON array like [{"urls":"stun:stun.example.org:3478"}]' });
        return z.NEVER;
      }
    })
    .default([]),

  RECORDER_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  RECORDER_DIR: z.string().min(1).optional(),
  RECORDER_ICE_PORT_RANGE: z
    .string()
    .regex(/^\d{2,5}-\d{2,5}$/, "must look like 40000-40199")
    .transform((v) => v.split("-").map(Number) as [number, number])
    .refine(([min, max]) => min >= 1024 && max <= 65535 && max > min, "must be an increasing range within 1024-65535")
    .default([40000, 40199]),
  RECORDER_WHIP_URL: httpUrl.optional(),
  /** Other recorder deployments a host may pick per recording (comma-separated WHIP base URLs). */
  RECORDER_DESTINATIONS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    )
    .refine((list) => list.every((u) => /^https?:\/\/[^/]+/.test(u)), "must be comma-separated http(s) URLs")
    .default([]),
  RECORDER_MAX_DURATION_MINUTES: positiveInt.max(24 * 60).default(240),
  RECORDER_MAX_TRACKS: positiveInt.max(1000).default(64),
  /** New recordings are refused below this much free disk; running ones are finalized below half of it. */
  RECORDER_MIN_FREE_MB: z.coerce.number().int().min(0).default(1024),

  // Compositing, storage of movies, playback, retention, webhooks.
  COMPOSE_WIDTH: positiveInt
    .max(3840)
    .refine((n) => n % 2 === 0, "must be even")
    .default(1280),
  COMPOSE_HEIGHT: positiveInt
    .max(2160)
    .refine((n) => n % 2 === 0, "must be even")
    .default(720),
  COMPOSE_CONCURRENCY: positiveInt.max(16).default(1),
  COMPOSE_RETRY_LIMIT: z.coerce.number().int().min(0).max(20).default(3),
  COMPOSE_RETRY_DELAY_SECONDS: positiveInt.max(3600).default(30),
  COMPOSE_EXPIRE_SECONDS: positiveInt.max(23 * 3600).default(3600),
  /** A compositing job whose worker stopped heartbeating this long (killed, host lost) is retried on another worker. */
  COMPOSE_STALE_SECONDS: positiveInt.max(3600).default(60),
  /** The movie's encoder (live windows and post-call alike): x264 preset, frame rate, constant rate factor. */
  COMPOSE_PRESET: z.enum(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]).default("veryfast"),
  COMPOSE_FPS: z.coerce
    .number()
    .int()
    .refine((n) => [24, 25, 30, 50, 60].includes(n), "must be 24, 25, 30, 50 or 60")
    .default(25),
  COMPOSE_CRF: z.coerce.number().int().min(16).max(35).default(23),
  /**
   * Live compositing window (ms): each closed window of a running recording is composited into an HLS segment,
   * rounded down to a whole number of video and AAC frames (5760 at 25 fps for the default); 0 turns live
   * compositing off (the movie is then composited after Stop).
   */
  LIVE_WINDOW_MS: z.coerce.number().int().min(0).max(30_000).default(6000),
  /** Media this recent may still be in the recorder's buffers: a window closes this long after its end. */
  LIVE_SETTLE_MS: z.coerce.number().int().min(0).max(10_000).default(1500),
  /** A recording whose live output stopped being written this long lost its node: another finishes it (interrupted). */
  LIVE_LOST_SECONDS: z.coerce.number().int().min(10).max(3600).default(30),
  /** Run the compositing worker inside the web process; false when `npm run worker` runs it elsewhere. */
  WORKER_IN_PROCESS: bool.default(true),
  JOBS_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  PLAYBACK_LINK_SECONDS: positiveInt.max(900).default(300),
  /** Days a movie is kept unless marked "keep"; 0 keeps forever. */
  RECORDING_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(3),
  RETENTION_SWEEP_INTERVAL_SECONDS: positiveInt.max(86_400).default(3600),
  /** "handled": agents see the recordings of tickets they hosted or were assigned; "all": every agent sees every one. */
  RECORDINGS_VISIBLE_TO: z.enum(["handled", "all"]).default("handled"),
  /** What a visitor agrees to before their media is recorded (shown with the consent button; its SHA-256 is stored). */
  RECORDING_CONSENT_TEXT: z.string().trim().min(10).max(2000).default(DEFAULT_CONSENT_TEXT),
  /** Days entries of the recordings' access trail are kept, whatever happens to the recordings; 0 keeps them forever. */
  AUDIT_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(3650),
  UPLOAD_RAW_TRACKS: bool.default(false),
  /** Hours raw tracks stay on the recorder's disk after their movie is ready (deleted recordings: at once). */
  RAW_FILES_GRACE_HOURS: z.coerce.number().min(0).max(8760).default(24),
  S3_SSE: z.enum(["AES256", "aws:kms"]).optional(),
  S3_SSE_KMS_KEY_ID: z.string().min(1).optional(),
  WEBHOOK_URLS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((list) => list.every((u) => /^https?:\/\/[^/]+/.test(u)), "must be comma-separated http(s) URLs")
    .default([]),
  WEBHOOK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /**
   * Signs each recording's evidence record (Ed25519, PKCS8 PEM or its DER in base64); the same on every node.
   * Unset: generated once into DATA_DIR/evidence-signing-key.pem.
   */
  EVIDENCE_SIGNING_KEY: z
    .string()
    .transform((text, ctx) => {
      try {
        parseEvidenceKey(text);
        return text;
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof SigningKeyError ? err.message : "is not a usable key" });
        return z.NEVER;
      }
    })
    .optional(),

  /** Socket.IO across nodes through Redis pub/sub; unset = one node. */
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/[^/]+/.test(v), "must be a redis:// or rediss:// URL")
    .optional(),
  /** Bearer token for remote Prometheus scrapers of /metrics; without it only loopback clients may scrape. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),

  SEED_AGENT1_PASSWORD: z.string().min(8).optional(),
  SEED_AGENT2_PASSWORD: z.string().min(8).optional(),
  SEED_ADMIN_PASSWORD: z.string().min(8).optional(),

  S3_ENDPOINT: httpUrl.optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")
    .default("video-help-desk"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  EMBEDDED_S3_PORT: port.default(0),

  /** Where movies, posters, live segments and raw-track chunks are stored: S3 (or the embedded server) or Azure Blob Storage. */
  STORAGE_BACKEND: z.enum(["s3", "azure"], { message: "must be s3 or azure" }).default("s3"),
  /** `DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net` (the key signs SAS links). */
  AZURE_STORAGE_CONNECTION_STRING: z
    .string()
    .refine((v) => /(^|;)\s*AccountName=[^;]+/i.test(v) && /(^|;)\s*AccountKey=[^;]+/i.test(v), "must carry AccountName=… and AccountKey=…")
    .optional(),
  AZURE_STORAGE_ACCOUNT: z
    .string()
    .regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)")
    .optional(),
  AZURE_STORAGE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be the account's base64 access key")
    .optional(),
  /** Blob service URL for emulators and sovereign clouds (Azurite: http://127.0.0.1:10000/devstoreaccount1). */
  AZURE_STORAGE_ENDPOINT: httpUrl.optional(),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .regex(/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/, "must be a valid container name (3-63 lowercase letters, digits, single hyphens)")
    .default("video-help-desk"),

  /** The ffmpeg and ffprobe programs used for compositing (default: found on PATH). */
  FFMPEG_PATH: z.string().min(1).default("ffmpeg"),
  FFPROBE_PATH: z.string().min(1).default("ffprobe"),
});

export type Env = z.infer<typeof schema>;

/** Every variable the app reads (documented in .env.example and the README). */
export const ENV_VARIABLES = Object.keys(schema.shape) as (keyof Env)[];

export class EnvError extends Error {
  readonly kind: FailureKind = "config.invalid";
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`Invalid environment variable ${variable}: ${reason}`);
    this.name = "EnvError";
  }
}

/** Parses the given environment; throws EnvError naming the first bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // An empty value means "unset": shells and .env files often export VAR= to clear it.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new EnvError(String(issue.path[0] ?? "environment"), issue.message);
  }
  const env = result.data;
  if (env.WEBHOOK_URLS.length > 0 && !env.WEBHOOK_SECRET) {
    throw new EnvError("WEBHOOK_SECRET", "WEBHOOK_SECRET is required with WEBHOOK_URLS");
  }
  if (env.TURN_URLS && !env.TURN_SECRET) {
    throw new EnvError("TURN_SECRET", "TURN_SECRET (coturn's static-auth-secret) is required with TURN_URLS");
  }
  if (env.S3_ENDPOINT && !(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY)) {
    throw new EnvError("S3_ACCESS_KEY_ID", "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT");
  }
  if (env.STORAGE_BACKEND === "azure") checkAzure(env);
  return env;
}

function checkAzure(env: Env): void {
  const pair = env.AZURE_STORAGE_ACCOUNT || env.AZURE_STORAGE_KEY;
  if (env.AZURE_STORAGE_CONNECTION_STRING && pair) {
    throw new EnvError(
      "AZURE_STORAGE_CONNECTION_STRING",
      "set either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, not both",
    );
  }
  if (!env.AZURE_STORAGE_CONNECTION_STRING && !(env.AZURE_STORAGE_ACCOUNT && env.AZURE_STORAGE_KEY)) {
    const missing = env.AZURE_STORAGE_ACCOUNT
      ? "AZURE_STORAGE_KEY"
      : env.AZURE_STORAGE_KEY
        ? "AZURE_STORAGE_ACCOUNT"
        : "AZURE_STORAGE_CONNECTION_STRING";
    throw new EnvError(
      missing,
      "STORAGE_BACKEND=azure needs AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY",
    );
  }
  if (env.AZURE_STORAGE_ENDPOINT && env.AZURE_STORAGE_CONNECTION_STRING) {
    throw new EnvError(
      "AZURE_STORAGE_ENDPOINT",
      "the connection string names the endpoint (BlobEndpoint=…); AZURE_STORAGE_ENDPOINT goes with AZURE_STORAGE_ACCOUNT",
    );
  }
  if (env.S3_SSE) {
    throw new EnvError("S3_SSE", "applies to S3 only; Azure Blob Storage encrypts every blob at rest (configure keys on the account)");
  }
}

export function loadEnv(): Env {
  return parseEnv(process.env);
}

/** The standalone recorder's settings (recorder/README.md). */
export interface RecorderEnv {
  secret: string;
  directory: string;
  port: number;
  host: string;
  icePortRange: [number, number];
  publicIp?: string;
  loopback: boolean;
  /** undefined: any origin ("*"). */
  allowedOrigins?: string[];
}

/** A bad recorder setting; the message starts with the variable ("RECORDER_PORT: must be …"). */
export class RecorderEnvError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = "RecorderEnvError";
  }
}

/** Parses the standalone recorder's environment; throws RecorderEnvError naming the first bad variable. */
export function parseRecorderEnv(source: Record<string, string | undefined>): RecorderEnv {
  const secret = source.RECORDER_SECRET;
  if (!secret) throw new RecorderEnvError("RECORDER_SECRET", "is required (the secret shared with the app, at least 32 characters)");
  if (secret.length < 32) throw new RecorderEnvError("RECORDER_SECRET", `must be at least 32 characters, got ${secret.length}`);

  const host = source.RECORDER_HOST?.trim() || "0.0.0.0";
  if (!isIP(host) && host !== "localhost") throw new RecorderEnvError("RECORDER_HOST", `must be an IP address or localhost, got "${host}"`);
  const publicIp = source.RECORDER_PUBLIC_IP?.trim() || undefined;
  if (publicIp && !isIP(publicIp)) throw new RecorderEnvError("RECORDER_PUBLIC_IP", `must be an IP address, got "${publicIp}"`);

  return {
    secret,
    directory: source.RECORDER_DIR?.trim() || ".data/recordings",
    // 0: any free port (logged).
    port: source.RECORDER_PORT === undefined || source.RECORDER_PORT === "" ? 3300 : recorderPort("RECORDER_PORT", source.RECORDER_PORT, 0),
    host,
    icePortRange: recorderPortRange("RECORDER_ICE_PORT_RANGE", source.RECORDER_ICE_PORT_RANGE || "40200-40399"),
    publicIp,
    // Default on when the recorder only listens on loopback (publisher and recorder on one host).
    loopback: source.RECORDER_LOOPBACK
      ? recorderFlag("RECORDER_LOOPBACK", source.RECORDER_LOOPBACK)
      : /^(127\.|localhost$|::1$)/.test(host),
    allowedOrigins: recorderOrigins("RECORDER_ALLOWED_ORIGINS", source.RECORDER_ALLOWED_ORIGINS ?? "*"),
  };
}

export function loadRecorderEnv(): RecorderEnv {
  return parseRecorderEnv(process.env);
}

function recorderPort(name: string, text: string, lowest = 1): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < lowest || Number(text) > 65535) {
    throw new RecorderEnvError(name, `must be a port number ${lowest}-65535, got "${text}"`);
  }
  return Number(text);
}

function recorderPortRange(name: string, text: string): [number, number] {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (!m) throw new RecorderEnvError(name, `must be "from-to" (e.g. 40200-40399), got "${text}"`);
  const from = recorderPort(name, m[1]!);
  const to = recorderPort(name, m[2]!);
  if (from > to) throw new RecorderEnvError(name, `"from" must not exceed "to", got "${text}"`);
  // Each session takes a port; fewer than a handful means sessions fail at random.
  if (to - from < 3) throw new RecorderEnvError(name, `range must hold at least 4 ports, got "${text}"`);
  return [from, to];
}

function recorderFlag(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(t)) return true;
  if (["0", "false", "no", "off", ""].includes(t)) return false;
  throw new RecorderEnvError(name, `must be 1 or 0, got "${text}"`);
}

function recorderOrigins(name: string, text: string): string[] | undefined {
  const list = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0 || list.includes("*")) return undefined;
  for (const o of list) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === "http:" || u.protocol === "https:") && u.origin === o.replace(/\/$/, "");
    } catch {
      // not a URL
    }
    if (!ok) throw new RecorderEnvError(name, `"${o}" is not an origin like https://desk.example.com`);
  }
  return list.map((o) => o.replace(/\/$/, ""));
}
