import { describe, expect, it } from "vitest";
import { VisitorTokens } from "@/server/platform/auth/visitor-token";

const SECRET = "x".repeat(40);

describe("VisitorTokens", () => {
  it("issues a token that verifies to the same claims", () => {
    const tokens = new VisitorTokens(SECRET, 60);
    const { token, claims } = tokens.issue({ name: "Vera" });
    const verified = tokens.verify(token);
    expect(verified).toEqual({ ok: true, claims });
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp - claims.iat).toBe(60);
  });

  it("refuses a token signed with another secret", () => {
    const { token } = new VisitorTokens("y".repeat(40), 60).issue();
    expect(new VisitorTokens(SECRET, 60).verify(token)).toEqual({ ok: false, error: "BAD_SIGNATURE" });
  });

  it("refuses a token whose claims were altered", () => {
    const tokens = new VisitorTokens(SECRET, 60);
    const [v, body, sig] = tokens.issue().token.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    claims.sub = "00000000-0000-4000-8000-000000000000";
    const forged = `${v}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${sig}`;
    expect(tokens.verify(forged)).toEqual({ ok: false, error: "BAD_SIGNATURE" });
  });

  it("refuses an expired token", () => {
    let now = 1_700_000_000_000;
    const tokens = new VisitorTokens(SECRET, 60, () => now);
    const { token } = tokens.issue();
    now += 61_000;
    expect(tokens.verify(token)).toEqual({ ok: false, error: "EXPIRED" });
  });

  it.each([undefined, 42, "", "v1.a", "v2.a.b", "v1..", "x".repeat(5000), { token: "v1.a.b" }])("refuses malformed input %#", (input) => {
    const result = new VisitorTokens(SECRET, 60).verify(input);
    expect(result.ok).toBe(false);
  });
});
