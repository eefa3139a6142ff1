/** @type {import('next').NextConfig} */
const nextConfig = {
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
};

export default nextConfig;
