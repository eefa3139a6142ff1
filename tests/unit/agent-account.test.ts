import { describe, expect, it } from "vitest";
import {
  type AccountState,
  canAdminister,
  canSupervise,
  checkAdminRemains,
  checkPassword,
  normalizeUsername,
} from "@/lib/domain/agent-account";

const accounts: AccountState[] = [
  { id: "a", role: "admin", active: true },
  { id: "b", role: "admin", active: false },
  { id: "c", role: "supervisor", active: true },
];
const code = (run: () => unknown) => {
  try {
    run();
    return null;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("agent accounts", () => {
  it("keeps one active admin: no deactivating or demoting the last, anything else goes", () => {
    expect(code(() => checkAdminRemains(accounts, { id: "a", active: false }))).toBe("CONFLICT");
    expect(code(() => checkAdminRemains(accounts, { id: "a", role: "supervisor" }))).toBe("CONFLICT");
    expect(code(() => checkAdminRemains(accounts, { id: "a", role: "admin", active: true }))).toBeNull();
    expect(code(() => checkAdminRemains(accounts, { id: "c", role: "agent" }))).toBeNull();
    // A second active admin makes either removable.
    const two = [...accounts, { id: "d", role: "admin" as const, active: true }];
    expect(code(() => checkAdminRemains(two, { id: "a", active: false }))).toBeNull();
    // Promoting, or reactivating an admin, is never refused.
    expect(code(() => checkAdminRemains(accounts, { id: "b", active: true }))).toBeNull();
  });

  it("usernames are trimmed and lower-cased like sign-in does, and limited to a safe alphabet", () => {
    expect(normalizeUsername("  Nina.Nurse ")).toBe("nina.nurse");
    for (const bad of ["", "a", "with space", "-lead", "x".repeat(33), "ünï"])
      expect(
        code(() => normalizeUsername(bad)),
        bad,
      ).toBe("BAD_REQUEST");
  });

  it("passwords of 10 to 256 characters; roles rank agent < supervisor < admin", () => {
    expect(code(() => checkPassword("123456789"))).toBe("BAD_REQUEST");
    expect(checkPassword("1234567890")).toBe("1234567890");
    expect(code(() => checkPassword("x".repeat(257)))).toBe("BAD_REQUEST");
    expect([canSupervise("agent"), canSupervise("supervisor"), canSupervise("admin")]).toEqual([false, true, true]);
    expect([canAdminister("agent"), canAdminister("supervisor"), canAdminister("admin")]).toEqual([false, false, true]);
  });
});
