import { describe, expect, it } from "vitest";
import { demoPasswordRefusal, isLoopbackHost } from "@/lib/security/listen-policy";

describe("listen policy", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])("%s is loopback", (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(["0.0.0.0", "::", "10.0.0.5", "desk.example.com", "128.0.0.1"])("%s is not", (host) => expect(isLoopbackHost(host)).toBe(false));

  it("refuses only production beyond loopback with demo passwords left", () => {
    const demo = ["admin"];
    expect(demoPasswordRefusal({ production: true, host: "0.0.0.0", demoAccounts: demo })).toMatch(/SEED_ADMIN_PASSWORD/);
    expect(demoPasswordRefusal({ production: true, host: "127.0.0.1", demoAccounts: demo })).toBeNull();
    expect(demoPasswordRefusal({ production: false, host: "0.0.0.0", demoAccounts: demo })).toBeNull();
    expect(demoPasswordRefusal({ production: true, host: "0.0.0.0", demoAccounts: [] })).toBeNull();
  });
});
