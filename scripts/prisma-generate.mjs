// Generates the Prisma client at install time without any download.
// `prisma generate` insists on locating the schema-engine binary (which it would download, and downloads
// fail here); it never runs it, so any existing file satisfies the check. Set only for this command:
// in prisma.config.ts it would break `prisma migrate` on machines that do have the engine.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const result = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
