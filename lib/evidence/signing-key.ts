// The deployment's Ed25519 evidence key as configured: PKCS8 PEM, or the same DER in base64 (one line, handy in
// secret stores). Parsed here so the environment check and the app read it the same way.
import { createPrivateKey, type KeyObject } from "node:crypto";

export class SigningKeyError extends Error {}

export function parseEvidenceKey(text: string): KeyObject {
  // Secret stores often hold a PEM on one line with its line breaks written as "\n".
  const trimmed = text.trim().replace(/\\n/g, "\n");
  let key: KeyObject;
  try {
    key = trimmed.startsWith("-----BEGIN")
      ? createPrivateKey({ key: trimmed, format: "pem" })
      : createPrivateKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "pkcs8" });
  } catch {
    throw new SigningKeyError("must be an Ed25519 private key in PKCS8 PEM (-----BEGIN PRIVATE KEY-----) or its DER in base64");
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new SigningKeyError(`must be an Ed25519 key, got ${key.asymmetricKeyType ?? "an unknown type"}`);
  }
  return key;
}
