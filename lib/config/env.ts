// The only module that reads process.env. Everything else receives a parsed `Env`.
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const postgresUrl = z
  .string()
  .refine((v) => {
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
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: port.default(3000),
  PUBLIC_URL: httpUrl.optional(),
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

  PRESENCE_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
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
});

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {
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
  if (env.S3_ENDPOINT && !(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY)) {
    throw new EnvError("S3_ACCESS_KEY_ID", "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are required with S3_ENDPOINT");
  }
  return env;
}

export function loadEnv(): Env {
  return parseEnv(process.env);
}
