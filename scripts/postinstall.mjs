// Runs after `npm install` / `npm ci`: generates the Prisma client (no download).
import { spawnSync } from "node:child_process";

for (const script of ["scripts/prisma-generate.mjs"]) {
  const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
