// No code path alters the recordings' access trail: the only writer is RecordingAccessLog, which creates entries
// and deletes them only in its retention purge; no API route offers a method that could change one. (The database
// refuses UPDATE and DELETE besides: tests/integration/recording-access.test.ts.)
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routesOnDisk } from "@/tests/support/e2e/authz-fixtures";

function sources(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.(ts|tsx|mjs)$/.test(f) && !f.includes("generated"))
    .map((f) => path.join(dir, f));
}

describe("access trail boundary", () => {
  it("only RecordingAccessLog touches the table: create and reads, and deleteMany in its purge alone", () => {
    const uses: string[] = [];
    for (const file of ["app", "server", "lib", "scripts", "recorder", "entrypoints"].flatMap(sources)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/recordingAccess\.(\w+)\(|"RecordingAccess"/g)) uses.push(`${file}: ${m[1] ?? "raw SQL"}`);
    }
    expect(uses.sort()).toEqual(
      [
        "server/recordings/recording-access-log.ts: count",
        "server/recordings/recording-access-log.ts: create",
        "server/recordings/recording-access-log.ts: deleteMany",
        "server/recordings/recording-access-log.ts: findMany",
        "server/recordings/recording-access-log.ts: findMany",
      ].sort(),
    );
    const log = readFileSync("server/recordings/recording-access-log.ts", "utf8");
    const purge = log.slice(log.indexOf("async purgeOlderThan"));
    expect(purge).toContain("SET LOCAL vhd.audit_purge = 'on'");
    expect(purge).toContain("recordingAccess.deleteMany({ where: { at: { lt: before } } })");
  });

  it("no route under app/api changes an access entry: the trail's routes are GET only", () => {
    const trail = routesOnDisk().filter((r) => /access/.test(r));
    expect(trail.sort()).toEqual(["GET /api/admin/access.csv", "GET /api/recordings/[id]/access"]);
  });
});
