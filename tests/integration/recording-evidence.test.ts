// Tamper evidence end to end, on the embedded S3 server and on Azurite: a recording made by the real compose job gets
// a signed evidence record of every object under its prefix (movie, poster, chapters, raw tracks) with its facts,
// written right after "ready"; verification passes on the untouched recording and names what failed after one byte
// of the stored movie is changed in the store, after a record is deleted from the middle of the chain, and after a
// record's signature is altered. Concurrent appends (two nodes' connection pools on PostgreSQL, the one connection
// on PGlite) still form one contiguous chain; a re-composite (layout changed after the fact) appends a new record,
// which is the one verified; the sweep attests a ready recording left without one; the route handlers answer the
// records with the movie's authorization (400 for a bad id, 404 for an unknown one) and the public key. The real `npm run verify-recording` script runs once (PostgreSQL only:
// the in-memory embedded database of a test admits no second process).
import { spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getEvidenceKey } from "@/app/api/evidence-key/route";
import { GET as getEvidence } from "@/app/api/recordings/[id]/evidence/route";
import { type Env, parseEnv } from "@/lib/config/env";
import { checkChain, parseEvidence } from "@/lib/evidence/evidence-chain";
import type { Identity } from "@/lib/realtime/identity";
import { AgentSessions } from "@/server/platform/auth/agent-sessions";
import { openDatabase } from "@/server/platform/database/database";
import { openStorage, storageConfig } from "@/server/platform/object-store";
import type { ObjectStorage } from "@/server/platform/storage/object-storage";
import { EvidenceStore } from "@/server/recordings/evidence/evidence-store";
import { EVIDENCE_KEY_FILE, existingEvidenceKey } from "@/server/recordings/evidence/signing-key";
import { verifyRecording } from "@/server/recordings/evidence/verify-recording";
import { startRecordingBackend, type RecordingBackend } from "@/server/recordings/recording-backend";
import { type CoreServices, registerServices, type Services } from "@/server/service-registry";
import { type Azurite, startAzurite } from "@/tests/support/azurite";
import { makeReadyRecording } from "@/tests/support/ready-recording";
import { startRealtimeStack, type RealtimeStack } from "@/tests/support/realtime-stack";
import { silentLogger, TEST_CLIENT, testDatabaseMode } from "@/tests/support/test-database";

const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const ROOT = path.resolve(import.meta.dirname, "../..");
const SECRET = "a".repeat(48);

interface StoreUnderTest {
  /** Settings naming the store, as the app's environment would (the test's data folder is added). */
  env(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

function evidenceSuite(name: string, store: () => StoreUnderTest, opts: { spawnScript: boolean }) {
  describe.skipIf(!hasFfmpeg)(`recording evidence on ${name} (${testDatabaseMode()})`, () => {
    let under: StoreUnderTest;
    let stack: RealtimeStack;
    let dataDir: string;
    let env: Env;
    let envVars: Record<string, string>;
    let storage: ObjectStorage;
    let backend: RecordingBackend;
    let host: Identity;
    let recordingId: string;
    const recordingsDir = () => path.join(dataDir, "recordings");
    const verify = (id = recordingId) => {
      const key = existingEvidenceKey(env.EVIDENCE_SIGNING_KEY, dataDir)!;
      return verifyRecording({ evidence: backend.evidence.store, storage, key }, id);
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), "vhd-evidence-"));
      under = store();
      stack = await startRealtimeStack({ recordingsDir: recordingsDir() });
      const agent = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username: "agent1" } });
      host = { kind: "agent", id: agent.id, username: "agent1", name: agent.displayName, role: "agent" };
      envVars = {
        ...(await under.env()),
        DATA_DIR: dataDir,
        RECORDER_DIR: recordingsDir(),
        RECORDER_SECRET: "z".repeat(40),
        UPLOAD_RAW_TRACKS: "true",
        COMPOSE_WIDTH: "320",
        COMPOSE_HEIGHT: "180",
        JOBS_POLL_INTERVAL_SECONDS: "0.5",
      };
      env = parseEnv({ ...envVars, DATABASE_URL: process.env.DATABASE_URL });
      storage = await openStorage(storageConfig(env, dataDir));
      const core = { db: stack.db, storage, logger: silentLogger, authSecret: SECRET } as unknown as CoreServices;
      backend = await startRecordingBackend(env, core, { runWorker: true, logger: silentLogger });
    }, 90_000);

    afterAll(async () => {
      await backend?.close();
      await storage?.close();
      await stack?.close();
      await under?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("the compose job appends a signed record of every stored object and the recording's facts; verification passes", async () => {
      recordingId = await makeReadyRecording({
        stack,
        backend,
        host,
        recordingsDir: recordingsDir(),
        seconds: 2,
        whileRecording: async ({ recordingId: id }) => {
          await stack.db.prisma.recordingConsent.create({
            data: { recordingId: id, userId: "visitor:ben", displayName: "Ben", decision: "given", textSha256: "c".repeat(64) },
          });
        },
      });
      // Written right after "ready" by the same job.
      let records = (await backend.evidence.records(recordingId)).records;
      for (let i = 0; i < 100 && records.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        records = (await backend.evidence.records(recordingId)).records;
      }
      expect(records).toHaveLength(1);
      const [record] = records;
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: recordingId } });
      expect(statSync(path.join(dataDir, EVIDENCE_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(record!.keyId).toBe(backend.evidence.publicKey().keyId);
      expect(record!.record).toMatchObject({
        recordingId,
        meetingPointId: row.meetingPointId,
        ticketId: null,
        readyAt: row.readyAt!.toISOString(),
        startedAt: row.startedAt!.toISOString(),
        stoppedAt: row.stoppedAt!.toISOString(),
        layout: { layout: "grid", layoutChanges: [] },
        participants: [{ id: `agent:${host.id}`, displayName: host.name }],
        consents: [{ userId: "visitor:ben", displayName: "Ben", decision: "given", textSha256: "c".repeat(64) }],
      });
      expect(record!.record.spans).toHaveLength(1);
      const listed = (await storage.list(`recordings/${recordingId}/`)).filter((k) => !k.endsWith("live/index.json"));
      const keys = record!.record.objects.map((o) => o.key);
      expect(keys).toEqual([...listed].sort());
      expect(keys).toEqual(
        expect.arrayContaining([
          `recordings/${recordingId}/movie.mp4`,
          `recordings/${recordingId}/poster.jpg`,
          `recordings/${recordingId}/chapters.vtt`,
        ]),
      );
      expect(keys.filter((k) => k.includes("/raw/")).length).toBeGreaterThanOrEqual(4);
      const movie = await storage.getBytes(`recordings/${recordingId}/movie.mp4`);
      expect(record!.record.objects.find((o) => o.key.endsWith("/movie.mp4"))).toEqual({
        key: `recordings/${recordingId}/movie.mp4`,
        sha256: sha(movie),
        bytes: Number(row.movieBytes),
      });
      // The sweep finds nothing left to attest, and a second try for the same movie appends nothing.
      expect(await backend.evidence.store.missing()).toEqual([]);
      expect(await backend.evidence.store.append(recordingId)).toBeNull();

      const verdict = await verify();
      expect(verdict).toMatchObject({ ok: true });
      expect(verdict.line).toMatch(new RegExp(`^OK recording ${recordingId}: \\d+ objects match evidence record 1 of 1`));
    }, 150_000);

    it("concurrent appends form one contiguous, intact chain; the latest record counts", async () => {
      // On PostgreSQL a second node too: its own pool of connections to the same database.
      const databaseUrl = (stack.db.pool as unknown as { options: { connectionString?: string } }).options.connectionString;
      const otherNode =
        testDatabaseMode() === "postgres" ? await openDatabase({ databaseUrl, poolMax: 3, logger: silentLogger }) : undefined;
      const key = existingEvidenceKey(env.EVIDENCE_SIGNING_KEY, dataDir)!;
      const stores = [backend.evidence.store, otherNode ? new EvidenceStore(otherNode.prisma, storage, key) : backend.evidence.store];
      const appended = await Promise.all(Array.from({ length: 6 }, (_, i) => stores[i % 2]!.append(recordingId, { again: true }))).finally(
        () => otherNode?.close(),
      );
      expect(appended.map((r) => r!.seq).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7]);
      const chain = await backend.evidence.store.chain();
      expect(chain.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(checkChain(chain, existingEvidenceKey(env.EVIDENCE_SIGNING_KEY, dataDir)!)).toBeNull();
      expect((await verify()).line).toMatch(/match evidence record 7 of 7, signed by key [0-9a-f]{64}, chain intact$/);
    }, 60_000);

    it("fails naming the movie after one byte of the stored movie is changed in the store", async () => {
      const key = `recordings/${recordingId}/movie.mp4`;
      const original = await storage.getBytes(key);
      const altered = Buffer.from(original);
      altered[Math.floor(altered.length / 2)]! ^= 0x01;
      await storage.put(key, altered, { contentType: "video/mp4" });
      try {
        expect(await verify()).toEqual({ ok: false, line: `FAIL ${key}: sha256 mismatch` });
      } finally {
        await storage.put(key, original, { contentType: "video/mp4" });
      }
      expect((await verify()).ok).toBe(true);
    }, 60_000);

    it("fails when a record is removed from the middle of the chain", async () => {
      const removed = await stack.db.prisma.evidenceRecord.findUniqueOrThrow({ where: { seq: 3 } });
      const next = await stack.db.prisma.evidenceRecord.findUniqueOrThrow({ where: { seq: 4 } });
      await stack.db.prisma.evidenceRecord.delete({ where: { seq: 3 } });
      try {
        expect(await verify()).toEqual({ ok: false, line: `FAIL evidence chain: record 3 missing (record 4 points at ${next.prevHash})` });
      } finally {
        await stack.db.prisma.evidenceRecord.create({ data: removed });
      }
      expect((await verify()).ok).toBe(true);
    }, 60_000);

    it("fails on an altered record field (its signature)", async () => {
      const latest = await stack.db.prisma.evidenceRecord.findUniqueOrThrow({ where: { seq: 7 } });
      const bytes = Buffer.from(latest.signature, "base64");
      bytes[0]! ^= 0x80;
      await stack.db.prisma.evidenceRecord.update({ where: { seq: 7 }, data: { signature: bytes.toString("base64") } });
      try {
        expect(await verify()).toEqual({ ok: false, line: "FAIL evidence record 7: signature invalid" });
      } finally {
        await stack.db.prisma.evidenceRecord.update({ where: { seq: 7 }, data: { signature: latest.signature } });
      }
      // Altering the signed text itself is caught too, even with its hash recomputed to match.
      const text = latest.canonical.replace('"displayName":"Ben"', '"displayName":"Bob"');
      expect(parseEvidence(text).consents[0]!.displayName).toBe("Bob");
      await stack.db.prisma.evidenceRecord.update({ where: { seq: 7 }, data: { canonical: text, hash: sha(Buffer.from(text)) } });
      try {
        expect(await verify()).toEqual({ ok: false, line: "FAIL evidence record 7: signature invalid" });
      } finally {
        await stack.db.prisma.evidenceRecord.update({ where: { seq: 7 }, data: { canonical: latest.canonical, hash: latest.hash } });
      }
      expect((await verify()).ok).toBe(true);
    }, 60_000);

    it("a re-composite (layout changed after the fact) appends a new record for the recording, which is the one verified", async () => {
      const before = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: recordingId } });
      await backend.library.update(host, recordingId, { layout: "active-speaker" }, TEST_CLIENT);
      const until = Date.now() + 120_000;
      let records = (await backend.evidence.records(recordingId)).records;
      while (records.length < 8) {
        if (Date.now() > until) throw new Error(`no record for the re-composite (${records.length} records)`);
        await new Promise((r) => setTimeout(r, 250));
        records = (await backend.evidence.records(recordingId)).records;
      }
      const latest = records.at(-1)!;
      const row = await stack.db.prisma.recording.findUniqueOrThrow({ where: { id: recordingId } });
      expect(row.readyAt!.getTime()).toBeGreaterThan(before.readyAt!.getTime());
      expect(latest).toMatchObject({ seq: 8, prevHash: records.at(-2)!.hash });
      expect(latest.record).toMatchObject({ readyAt: row.readyAt!.toISOString(), layout: { layout: "active-speaker" } });
      expect((await verify()).line).toMatch(/match evidence record 8 of 8, /);
    }, 150_000);

    it("the sweep attests a ready recording with no record for its current movie (a crash between ready and evidence)", async () => {
      // As a re-composite that stored its movie and marked it ready just before the process died.
      const readyAt = new Date();
      await stack.db.prisma.recording.update({ where: { id: recordingId }, data: { readyAt } });
      expect(await backend.evidence.store.missing()).toEqual([recordingId]);
      expect(await backend.evidence.sweep()).toBe(1);
      expect(await backend.evidence.store.missing()).toEqual([]);
      const latest = (await backend.evidence.records(recordingId)).records.at(-1)!;
      expect(latest).toMatchObject({ seq: 9, record: { readyAt: readyAt.toISOString() } });
      expect((await verify()).line).toMatch(/match evidence record 9 of 9, /);
    }, 60_000);

    it("the routes: the evidence with the movie's authorization, 400 for a bad id, 404 for an unknown one; the public key", async () => {
      const sessions = new AgentSessions(stack.db.prisma);
      registerServices({
        authSecret: SECRET,
        env,
        logger: silentLogger,
        sessions,
        library: backend.library,
        evidence: backend.evidence,
      } as unknown as Services);
      try {
        const cookieOf = async (username: string) => {
          const a = await stack.db.prisma.agent.findUniqueOrThrow({ where: { username } });
          const jwt = await encode({ secret: SECRET, token: { sub: a.id, name: a.displayName, username, role: a.role } });
          return `next-auth.session-token=${jwt}`;
        };
        const get = async (id: string, cookie?: string) => {
          const req = new Request(`http://localhost/api/recordings/${id}/evidence`, { headers: cookie ? { cookie } : {} });
          return getEvidence(req, { params: Promise.resolve({ id }) });
        };
        const host = await cookieOf("agent1");
        const ok = await get(recordingId, host);
        expect(ok.status).toBe(200);
        const body = await ok.json();
        expect(body.recordingId).toBe(recordingId);
        expect(body.records.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect((await get("not-a-uuid", host)).status).toBe(400);
        expect((await get(randomUUID(), host)).status).toBe(404);
        expect((await get(recordingId, await cookieOf("agent2"))).status).toBe(404);
        expect((await get(recordingId)).status).toBe(401);
        const key = await getEvidenceKey(new Request("http://localhost/api/evidence-key"), { params: Promise.resolve({}) });
        expect(await key.json()).toEqual(backend.evidence.publicKey());
      } finally {
        registerServices(undefined);
      }
    });

    it.skipIf(!opts.spawnScript || testDatabaseMode() !== "postgres")(
      "npm run verify-recording prints one OK line and exits 0, one FAIL line and exits 1",
      async () => {
        const databaseUrl = (stack.db.pool as unknown as { options: { connectionString: string } }).options.connectionString;
        const run = (id: string) =>
          spawnSync(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/verify-recording.ts", id], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 60_000,
            env: { PATH: process.env.PATH, HOME: process.env.HOME, ...envVars, DATABASE_URL: databaseUrl } as unknown as NodeJS.ProcessEnv,
          });
        const ok = run(recordingId);
        expect(ok.stdout.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^OK recording ${recordingId}: `))]);
        expect(ok.status).toBe(0);
        const key = `recordings/${recordingId}/poster.jpg`;
        const poster = await storage.getBytes(key);
        await storage.put(key, Buffer.concat([poster, Buffer.from([0])]), { contentType: "image/jpeg" });
        try {
          const bad = run(recordingId);
          expect(bad.stdout.trim()).toBe(`FAIL ${key}: size ${poster.length + 1} bytes, recorded ${poster.length}`);
          expect(bad.status).toBe(1);
        } finally {
          await storage.put(key, poster, { contentType: "image/jpeg" });
        }
        const usage = run("not-a-uuid");
        expect(usage.status).toBe(2);
      },
      120_000,
    );
  });
}

evidenceSuite("the embedded S3 server", () => ({ env: async () => ({ S3_BUCKET: "evidence-test" }), stop: async () => {} }), {
  spawnScript: true,
});

evidenceSuite(
  "Azure Blob Storage (Azurite)",
  () => {
    let azurite: Azurite | undefined;
    return {
      async env() {
        azurite = await startAzurite();
        return {
          STORAGE_BACKEND: "azure",
          AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
          AZURE_STORAGE_CONTAINER: "evidence-test",
        };
      },
      stop: async () => azurite?.stop(),
    };
  },
  { spawnScript: false },
);
