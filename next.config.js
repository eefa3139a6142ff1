import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";
import { nextHeaderRules } from "./server/platform/http/security-headers.mjs";

/** @type {(phase: string) => import('next').NextConfig} */
const nextConfig = (phase) => ({
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages that must be loaded by Node, not bundled (native, WASM or dynamic requires).
  serverExternalPackages: [
    "@prisma/client",
    "@prisma/adapter-pg",
    "pg",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "pino",
    "bcryptjs",
    "@20minutes/s3rver",
  ],
  // CSP, framing and feature policy on every Next response (server/http/security-headers.mjs). Evaluated at
  // `next build` into the routes manifest; the dev server adds 'unsafe-eval' for React's dev tooling.
  async headers() {
    return nextHeaderRules({ dev: phase === PHASE_DEVELOPMENT_SERVER });
  },
});

export default nextConfig;
