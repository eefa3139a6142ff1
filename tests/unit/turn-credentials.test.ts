// TURN REST API credentials as coturn checks them (use-auth-secret): username "<expiry>:<user>", password
// base64(HMAC-SHA1(secret, username)). The expected password is computed by openssl, not by the code under test.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/config/env";
import { iceServersFor, turnCredential } from "@/server/platform/auth/turn-credentials";

const turn = { urls: ["turn:127.0.0.1:3478?transport=udp"], secret: "coturn-static-auth-secret", ttlSeconds: 600 };

describe("TURN credentials", () => {
  it("name the user and their expiry, signed as coturn expects", () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    const { iceServer, expiresAtMs } = turnCredential(turn, "visitor:3f2a", now);
    expect(iceServer.username).toBe(`${now / 1000 + 600}:visitor-3f2a`);
    expect(expiresAtMs).toBe(now + 600_000);
    const openssl = execFileSync("openssl", ["dgst", "-sha1", "-hmac", turn.secret, "-binary"], { input: iceServer.username });
    expect(iceServer.credential).toBe(openssl.toString("base64"));
    expect(iceServer.urls).toEqual(turn.urls);
  });

  it("each user gets their own; without TURN only the static servers, and nothing expires", () => {
    const a = iceServersFor([{ urls: "stun:s.example:3478" }], turn, "agent:1");
    const b = iceServersFor([{ urls: "stun:s.example:3478" }], turn, "visitor:2");
    expect(a.iceServers).toHaveLength(2);
    expect(a.iceServers[1]!.credential).not.toBe(b.iceServers[1]!.credential);
    expect(a.expiresAt).not.toBeNull();
    expect(iceServersFor([{ urls: "stun:s.example:3478" }], undefined, "agent:1")).toEqual({
      iceServers: [{ urls: "stun:s.example:3478" }],
      expiresAt: null,
    });
  });

  it("TURN_URLS needs TURN_SECRET, and only turn:/turns: URLs", () => {
    expect(() => parseEnv({ TURN_URLS: "turn:t.example:3478" })).toThrow(/TURN_SECRET/);
    expect(() => parseEnv({ TURN_URLS: "stun:t.example:3478", TURN_SECRET: "x".repeat(16) })).toThrow(/TURN_URLS/);
    expect(parseEnv({ TURN_URLS: "turn:a:3478, turns:b:5349", TURN_SECRET: "x".repeat(16) }).TURN_URLS).toEqual([
      "turn:a:3478",
      "turns:b:5349",
    ]);
  });
});
