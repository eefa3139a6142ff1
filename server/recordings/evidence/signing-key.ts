// The deployment's evidence signing key: EVIDENCE_SIGNING_KEY when configured (every node the same), otherwise
// generated once and kept in the data folder (mode 0600), like the generated AUTH_SECRET.
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEvidenceKey } from "@/lib/evidence/signing-key";

export const EVIDENCE_KEY_FILE = "evidence-signing-key.pem";

export function resolveEvidenceKey(configured: string | undefined, dataDir: string): { key: KeyObject; generated: boolean } {
  if (configured) return { key: parseEvidenceKey(configured), generated: false };
  const file = path.join(dataDir, EVIDENCE_KEY_FILE);
  if (existsSync(file)) return { key: parseEvidenceKey(readFileSync(file, "utf8")), generated: true };
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  // "wx": two processes starting at once must not each write their own key; the loser reads the winner's.
  try {
    writeFileSync(file, pem, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { key: parseEvidenceKey(readFileSync(file, "utf8")), generated: true };
  }
  return { key: privateKey, generated: true };
}

/** The key a verifier uses: never generates one (a missing key means nothing was ever signed with it here). */
export function existingEvidenceKey(configured: string | undefined, dataDir: string): KeyObject | null {
  if (configured) return parseEvidenceKey(configured);
  const file = path.join(dataDir, EVIDENCE_KEY_FILE);
  return existsSync(file) ? parseEvidenceKey(readFileSync(file, "utf8")) : null;
}
