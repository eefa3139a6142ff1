// The recordings' access trail against the real database: each link issued, live view, keep, delete and layout
// change is written before the access is granted; the trail is visible to supervisors and admins; the database
// refuses to update or delete entries except the retention purge; the CSV export quotes what it must.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "@/lib/realtime/identity";
import { openObjectStore, type ObjectStore } from "@/server/platform/object-store";
import { RecordingAccessLog } from "@/server/recordings/recording-access-log";
import { RecordingLibrary } from "@/server/recordings/recording-library";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";

type Agent = Extract<Identity, { kind: "agent" }>;
const client = { ip: "203.0.113.7", userAgent: 'Mozilla/5.0 "quoted", =cmd' };

let stack: RealtimeStack;
let access: RecordingAccessLog;
let library: RecordingLibrary;
let host: Agent;
let admin: Agent;
let recordingId: string;
let store: ObjectStore;
let libraryOptions: ConstructorParameters<typeof RecordingLibrary>[1];

beforeAll(async () => {
  stack = await startRealtimeStack();
  access = new RecordingAccessLog(stack.db.prisma);
  const dir = mkdtempSync(path.join(tmpdir(), "vhd-access-"));
  store = await openObjectStore({
    region: "us-east-1",
    bucket: "access",
    forcePathStyle: true,
    embeddedDir: path.join(dir, "s3"),
    embeddedPort: 0,
  });
  libraryOptions = {
    access,
    storage: store,
    directory: path.join(dir, "recordings"),
    linkSeconds: 60,
    appMediaSecret: "m".repeat(40),
  };
  library = new RecordingLibrary(stack.db.prisma, libraryOptions);
  const as = async (username: string): Promise<Agent> => {
    const a = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username } });
    return { kind: "agent", id: a.id, username, name: a.displayName, role: a.role };
  };
  host = await as("agent1");
  admin = await as("admin");
  const mp = await stack.desk.meetingPoints.create(host, null);
  await stack.desk.meetingPoints.run(host, mp.id, { type: "host" });
  recordingId = (await stack.desk.recordings.start(host, mp.id)).id;
  await stack.desk.recordings.stop(host, mp.id);
  await stack.db.prisma.recording.update({ where: { id: recordingId }, data: { status: "ready", movieKey: "m.mp4", readyAt: new Date() } });
});
afterAll(async () => {
  await store?.close();
  await stack?.close();
});

describe("recording visibility", () => {
  it("an agent sees the recordings of tickets they handled; supervisors and admins all; RECORDINGS_VISIBLE_TO=all everyone", async () => {
    const other = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent2" } });
    const agent2: Agent = { kind: "agent", id: other.id, username: "agent2", name: other.displayName, role: "agent" };
    const supervisor: Agent = { ...agent2, role: "supervisor" };
    await expect(library.get(agent2, recordingId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(library.playbackLink(agent2, recordingId, { download: false }, client)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(library.livePlaylist(agent2, recordingId, { vod: false }, client)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(library.update(agent2, recordingId, { keep: true }, client)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await library.list(agent2)).map((r) => r.id)).not.toContain(recordingId);
    expect((await library.list(host)).map((r) => r.id)).toContain(recordingId);
    expect((await library.get(supervisor, recordingId)).id).toBe(recordingId);
    expect((await library.list(supervisor)).map((r) => r.id)).toContain(recordingId);
    expect(await access.forRecording(recordingId)).toEqual([]); // refused calls wrote nothing

    const published: (string[] | "all")[] = [];
    const open = new RecordingLibrary(stack.db.prisma, {
      ...libraryOptions,
      visibility: "all",
      publish: (_v, audience) => published.push(audience),
    });
    expect((await open.get(agent2, recordingId)).id).toBe(recordingId);
    await open.announce(recordingId);
    await library.announce(recordingId); // no publish option: nothing
    const scoped = new RecordingLibrary(stack.db.prisma, { ...libraryOptions, publish: (_v, audience) => published.push(audience) });
    await scoped.announce(recordingId);
    expect(published).toEqual(["all", [host.id]]);
  });
});

describe("recording access trail", () => {
  it("writes who, role, when, address and browser for play, download, keep, layout and delete; supervisors and admins read it", async () => {
    await library.playbackLink(host, recordingId, { download: false }, client);
    await library.playbackLink(host, recordingId, { download: true }, client);
    await library.update(host, recordingId, { keep: true }, client);
    await library.update(host, recordingId, { keep: true }, client); // no change: nothing written
    await library.update(admin, recordingId, { layout: "active-speaker" }, client);
    await expect(library.accessTrail(host, recordingId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const entries = await library.accessTrail(admin, recordingId);
    expect(entries.map((e) => [e.action, e.actorUsername, e.actorRole]).reverse()).toEqual([
      ["play", "agent1", "agent"],
      ["download", "agent1", "agent"],
      ["keep", "agent1", "agent"],
      ["layout", "admin", "admin"],
    ]);
    expect(entries[0]).toMatchObject({ detail: "grid → active-speaker", clientIp: "203.0.113.7", userAgent: client.userAgent });
    await library.remove(host, recordingId, client);
    expect((await library.accessTrail(admin, recordingId))[0]).toMatchObject({
      action: "delete",
      detail: expect.stringMatching(/^status was /),
    });
  });

  it("writes one live-view entry per viewer in ten minutes, however often the player reloads", async () => {
    for (let i = 0; i < 3; i++) await access.record(host, "live-rec", "live-view", client);
    await access.record(admin, "live-rec", "live-view", client);
    expect((await access.forRecording("live-rec")).map((e) => e.actorUsername).sort()).toEqual(["admin", "agent1"]);
  });

  it("the database refuses UPDATE, DELETE and TRUNCATE; the purge deletes only what is past retention", async () => {
    const refused = (sql: string) =>
      stack.db.pool.query(sql).then(
        () => "allowed",
        (err: Error) => err.message,
      );
    expect(await refused(`UPDATE "RecordingAccess" SET "actorUsername" = 'someone-else'`)).toMatch(/append-only \(UPDATE refused\)/);
    expect(await refused(`DELETE FROM "RecordingAccess"`)).toMatch(/append-only \(DELETE refused\)/);
    expect(await refused(`TRUNCATE "RecordingAccess"`)).toMatch(/append-only \(TRUNCATE refused\)/);
    await expect(stack.db.prisma.recordingAccess.deleteMany({})).rejects.toThrow(/append-only/);
    const before = await stack.db.prisma.recordingAccess.count();
    const old = new RecordingAccessLog(stack.db.prisma, () => new Date("2020-01-01T00:00:00Z"));
    await old.record(host, "old-rec", "play", client);
    expect(await access.purgeOlderThan(new Date("2021-01-01T00:00:00Z"))).toBe(1);
    expect(await stack.db.prisma.recordingAccess.count()).toBe(before);
    // The purge's permission ended with its transaction.
    expect(await refused(`DELETE FROM "RecordingAccess"`)).toMatch(/append-only/);
  });

  it("exports CSV between two instants, oldest first, with quoting and spreadsheet formulas defused", async () => {
    const csv = await new Response(library.accessCsv({ from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) })).text();
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("at,recordingId,action,detail,actorUsername,actorRole,actorId,clientIp,userAgent");
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines[1]).toContain(`,${recordingId},play,,agent1,agent,`);
    expect(lines[1]!.endsWith(`,203.0.113.7,"Mozilla/5.0 ""quoted"", =cmd"`)).toBe(true);
    const empty = await new Response(library.accessCsv({ from: new Date("2000-01-01"), to: new Date("2000-01-02") })).text();
    expect(empty).toBe("at,recordingId,action,detail,actorUsername,actorRole,actorId,clientIp,userAgent\r\n");
  });
});
