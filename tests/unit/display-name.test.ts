// A visitor cannot take the help desk's own names, however written.
import { describe, expect, it } from "vitest";
import { isReservedName } from "@/lib/domain/display-name";
import { requests } from "@/lib/realtime/protocol";

describe("reserved names", () => {
  it.each(["Help desk", "help desk", "HELPDESK", "Help-Desk", " Help  desk ", "Ｈｅｌｐ ｄｅｓｋ", "System", "support.", "Admin"])(
    "%j is the desk's",
    (name) => expect(isReservedName(name)).toBe(true),
  );

  it.each(["Helen Desk", "Vera", "Dr. System Smith", "Helpful Visitor"])("%j is a person's", (name) => {
    expect(isReservedName(name)).toBe(false);
  });

  it("ticket:open refuses a reserved name", () => {
    expect(requests["ticket:open"].safeParse({ name: "Help desk" }).success).toBe(false);
    expect(requests["ticket:open"].safeParse({ name: "Vera" }).success).toBe(true);
  });
});
