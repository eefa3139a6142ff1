// GET /api/evidence-key: the public half of the deployment's evidence signing key (Ed25519, SPKI PEM) and its key id
// (SHA-256 of the DER SPKI, which every evidence record names). Public: anyone may check a record's signature.
import { z } from "zod";
import { apiRoute } from "@/server/platform/http/api-route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "anyone", query: z.object({}).strict(), action: "reading the evidence key" }, async ({ services }) =>
  Response.json(services.evidence.publicKey(), { headers: { "cache-control": "public, max-age=300" } }),
);
