// Visitors have no account: the server issues them a signed, expiring token naming a server-chosen
// visitor id. HMAC-SHA256 with a key derived from the auth secret, so it verifies with no database read.
import { createHmac, hkdfSync, randomUUID, timingSafeEqual } from "node:crypto";
import { z } from "zod";

const VERSION = "v1";

const claims = z.object({
  sub: z.string().uuid(),
  name: z.string().max(80).optional(),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type VisitorClaims = z.infer<typeof claims>;

export type VisitorTokenError = "MALFORMED" | "BAD_SIGNATURE" | "EXPIRED";

export class VisitorTokens {
  private readonly key: Buffer;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "video-help-desk", "visitor-token", 32));
  }

  issue(opts: { visitorId?: string; name?: string } = {}): { token: string; claims: VisitorClaims } {
    const iat = Math.floor(this.now() / 1000);
    const payload: VisitorClaims = { sub: opts.visitorId ?? randomUUID(), iat, exp: iat + this.ttlSeconds };
    if (opts.name) payload.name = opts.name;
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return { token: `${VERSION}.${body}.${this.sign(body)}`, claims: payload };
  }

  verify(token: unknown): { ok: true; claims: VisitorClaims } | { ok: false; error: VisitorTokenError } {
    if (typeof token !== "string" || token.length > 2048) return { ok: false, error: "MALFORMED" };
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, error: "MALFORMED" };
    const [, body, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, error: "BAD_SIGNATURE" };
    let parsed: VisitorClaims;
    try {
      const result = claims.safeParse(JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
      if (!result.success) return { ok: false, error: "MALFORMED" };
      parsed = result.data;
    } catch {
      return { ok: false, error: "MALFORMED" };
    }
    if (parsed.exp * 1000 <= this.now()) return { ok: false, error: "EXPIRED" };
    return { ok: true, claims: parsed };
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(`${VERSION}.${body}`).digest("base64url");
  }
}
