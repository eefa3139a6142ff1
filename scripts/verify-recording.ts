// npm run verify-recording -- <recording id>
// Checks a recording against its latest evidence record with the app's own configuration (the same environment:
// database, object store, evidence key): every listed object downloaded and hashed, the record's signature, and the
// deployment's whole evidence chain. Prints one line: `OK …` (exit 0) or `FAIL <what>: <why>` (exit 1).
// With the embedded database (no DATABASE_URL) stop the app first: its folder admits one process.
import path from "node:path";
import { z } from "zod";
import { EnvError, loadEnv } from "@/lib/config/env";
import { openDatabase } from "@/server/platform/database/database";
import { createLogger } from "@/server/platform/logger";
import { openStorage, storageConfig } from "@/server/platform/object-store";
import { EvidenceStore } from "@/server/recordings/evidence/evidence-store";
import { existingEvidenceKey } from "@/server/recordings/evidence/signing-key";
import { verifyRecording } from "@/server/recordings/evidence/verify-recording";

const USAGE = "Usage: npm run verify-recording -- <recording id>";

async function main(argv: string[]): Promise<number> {
  const id = z.string().uuid().safeParse(argv[0]);
  if (argv.length !== 1 || !id.success) {
    console.error(USAGE);
    return 2;
  }
  const env = loadEnv();
  const dataDir = path.resolve(env.DATA_DIR);
  const key = existingEvidenceKey(env.EVIDENCE_SIGNING_KEY, dataDir);
  if (!key) {
    console.log(`FAIL evidence key: EVIDENCE_SIGNING_KEY is not set and ${dataDir} holds no generated key`);
    return 1;
  }
  const db = await openDatabase({
    databaseUrl: env.DATABASE_URL,
    poolMax: 1,
    pgliteDir: path.join(dataDir, "pglite"),
    logger: createLogger("warn"),
  });
  try {
    const storage = await openStorage(storageConfig(env, dataDir));
    try {
      const verdict = await verifyRecording({ evidence: new EvidenceStore(db.prisma, storage, key), storage, key }, id.data);
      console.log(verdict.line);
      return verdict.ok ? 0 : 1;
    } finally {
      await storage.close();
    }
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof EnvError ? err.message : err instanceof Error ? err.message : String(err);
    console.log(`FAIL ${message.split("\n")[0]}`);
    process.exit(1);
  },
);
