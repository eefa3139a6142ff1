// Short-lived TURN credentials in the TURN REST API scheme coturn implements with `use-auth-secret`: the username
// is `<expiry unix seconds>:<user>`, the password base64(HMAC-SHA1(secret, username)). coturn checks the HMAC and
// the expiry itself, so each user gets their own credential and none outlives TURN_TTL_SECONDS: static
// credentials handed to anonymous visitors would open the relay to anyone who copied them.
import { createHmac } from "node:crypto";

/** An ICE server as RTCPeerConnection takes it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface TurnConfig {
  urls: string[];
  secret: string;
  ttlSeconds: number;
}

export interface IssuedIceServers {
  iceServers: IceServer[];
  /** When the TURN credential stops working (null: no TURN configured, nothing expires). */
  expiresAt: string | null;
}

export function turnCredential(c: TurnConfig, userId: string, nowMs = Date.now()): { iceServer: IceServer; expiresAtMs: number } {
  const expiry = Math.floor(nowMs / 1000) + c.ttlSeconds;
  // coturn splits the username at the first ":" (the timestamp); the user part keeps its own ":" out of the way.
  const username = `${expiry}:${userId.replaceAll(":", "-")}`;
  const credential = createHmac("sha1", c.secret).update(username).digest("base64");
  return { iceServer: { urls: c.urls, username, credential }, expiresAtMs: expiry * 1000 };
}

/** The ICE servers for one user: the static ones (STUN) and, when configured, a fresh TURN credential. */
export function iceServersFor(
  staticServers: IceServer[],
  turn: TurnConfig | undefined,
  userId: string,
  nowMs = Date.now(),
): IssuedIceServers {
  if (!turn) return { iceServers: staticServers, expiresAt: null };
  const { iceServer, expiresAtMs } = turnCredential(turn, userId, nowMs);
  return { iceServers: [...staticServers, iceServer], expiresAt: new Date(expiresAtMs).toISOString() };
}
