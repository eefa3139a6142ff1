import { isIP } from "node:net";

/**
 * The standalone recorder's settings, read from the environment here and nowhere else in recorder/.
 * Each invalid value is reported as a ConfigError naming the variable, so the process can exit
 * with one clear line instead of failing later.
 */

export interface RecorderConfig {
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

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function port(name: string, text: string, lowest = 1): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < lowest || Number(text) > 65535) {
    throw new ConfigError(name, `must be a port number ${lowest}-65535, got "${text}"`);
  }
  return Number(text);
}

function portRange(name: string, text: string): [number, number] {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (!m) throw new ConfigError(name, `must be "from-to" (e.g. 40200-40399), got "${text}"`);
  const from = port(name, m[1]);
  const to = port(name, m[2]);
  if (from > to) throw new ConfigError(name, `"from" must not exceed "to", got "${text}"`);
  // Each session takes a port; fewer than a handful means sessions fail at random.
  if (to - from < 3) throw new ConfigError(name, `range must hold at least 4 ports, got "${text}"`);
  return [from, to];
}

function flag(name: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(t)) return true;
  if (["0", "false", "no", "off", ""].includes(t)) return false;
  throw new ConfigError(name, `must be 1 or 0, got "${text}"`);
}

function origins(name: string, text: string): string[] | undefined {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (list.length === 0 || list.includes("*")) return undefined;
  for (const o of list) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === "http:" || u.protocol === "https:") && u.origin === o.replace(/\/$/, "");
    } catch {
      // not a URL
    }
    if (!ok) throw new ConfigError(name, `"${o}" is not an origin like https://desk.example.com`);
  }
  return list.map((o) => o.replace(/\/$/, ""));
}

export function loadRecorderConfig(env: Env = process.env): RecorderConfig {
  const secret = env.RECORDER_SECRET;
  if (!secret) throw new ConfigError("RECORDER_SECRET", "is required (the secret shared with the app, at least 32 characters)");
  if (secret.length < 32) throw new ConfigError("RECORDER_SECRET", `must be at least 32 characters, got ${secret.length}`);

  const directory = env.RECORDER_DIR?.trim() || ".data/recordings";
  const host = env.RECORDER_HOST?.trim() || "0.0.0.0";
  if (!isIP(host) && host !== "localhost") throw new ConfigError("RECORDER_HOST", `must be an IP address or localhost, got "${host}"`);

  const publicIp = env.RECORDER_PUBLIC_IP?.trim() || undefined;
  if (publicIp && !isIP(publicIp)) throw new ConfigError("RECORDER_PUBLIC_IP", `must be an IP address, got "${publicIp}"`);

  return {
    secret,
    directory,
    port: env.RECORDER_PORT === undefined || env.RECORDER_PORT === "" ? 3300 : port("RECORDER_PORT", env.RECORDER_PORT, 0), // 0: any free port (logged)
    host,
    icePortRange: portRange("RECORDER_ICE_PORT_RANGE", env.RECORDER_ICE_PORT_RANGE || "40200-40399"),
    publicIp,
    // Default on when the recorder only listens on loopback (publisher and recorder on one host).
    loopback: env.RECORDER_LOOPBACK ? flag("RECORDER_LOOPBACK", env.RECORDER_LOOPBACK) : /^(127\.|localhost$|::1$)/.test(host),
    allowedOrigins: origins("RECORDER_ALLOWED_ORIGINS", env.RECORDER_ALLOWED_ORIGINS ?? "*"),
  };
}
