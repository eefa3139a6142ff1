import { describe, it, expect } from "vitest";
import { issuePublisherToken, verifyPublisherToken } from "@/recorder/auth/publisher-token";

const secret = "test-secret-0123456789";
const claims = { recordingId: "rec1", participantId: "p1", displayName: "Alice" };

describe("publisher token", () => {
  it("round-trips valid claims", () => {
    const t = issuePublisherToken(secret, claims);
    expect(t.startsWith("wp1.")).toBe(true);
    const v = verifyPublisherToken(secret, t, { expectedRecordingId: "rec1" });
    expect(v).toMatchObject({ ok: true, claims });
  });

  it("rejects a token signed with another secret", () => {
    const t = issuePublisherToken("other-secret", claims);
    expect(verifyPublisherToken(secret, t)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects a tampered payload", () => {
    const t = issuePublisherToken(secret, claims);
    const [, body, sig] = t.split(".");
    const forged = JSON.parse(Buffer.from(body, "base64url").toString());
    forged.rid = "rec2";
    const t2 = `wp1.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${sig}`;
    expect(verifyPublisherToken(secret, t2)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("rejects an expired token", () => {
    const now = Date.now();
    const t = issuePublisherToken(secret, claims, { ttlSeconds: 60, nowMs: now - 61_000 });
    expect(verifyPublisherToken(secret, t, { nowMs: now })).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects a token for another recording", () => {
    const t = issuePublisherToken(secret, claims);
    expect(verifyPublisherToken(secret, t, { expectedRecordingId: "rec2" })).toEqual({
      ok: false,
      reason: "wrong-recording",
    });
  });

  it.each(["", "abc", "wp1.", "wp1.onlyone", "wp1.a.b.c", "wp2.a.b"])("rejects malformed %j", (t) => {
    expect(verifyPublisherToken(secret, t)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("rejects a correctly signed non-JSON payload as malformed", () => {
    const t = issuePublisherToken(secret, claims);
    expect(verifyPublisherToken(secret, `${t.slice(0, -2)}xx`).ok).toBe(false);
  });

  it("carries the source claim, defaulting to camera for tokens without one", () => {
    const screen = verifyPublisherToken(secret, issuePublisherToken(secret, { ...claims, source: "screen" }));
    expect(screen).toMatchObject({ ok: true, claims: { ...claims, source: "screen" } });
    // A token issued before sources existed (no `src` in the payload) still verifies, as a camera.
    const legacy = verifyPublisherToken(secret, issuePublisherToken(secret, claims));
    expect(legacy).toMatchObject({ ok: true, claims: { source: "camera" } });
    expect(JSON.parse(Buffer.from(issuePublisherToken(secret, claims).split(".")[1], "base64url").toString())).not.toHaveProperty("src");
  });

  it("rejects a signed token whose source is not one of camera, screen, external", async () => {
    const { createHmac } = await import("node:crypto");
    const body = Buffer.from(JSON.stringify({ rid: "rec1", pid: "p1", name: "A", iat: 1, exp: 2 ** 31, src: "webcam" })).toString(
      "base64url",
    );
    const sig = createHmac("sha256", secret).update("wp1.").update(body).digest("base64url");
    expect(verifyPublisherToken(secret, `wp1.${body}.${sig}`)).toEqual({ ok: false, reason: "malformed" });
  });
});
