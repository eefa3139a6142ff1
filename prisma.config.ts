// Prisma CLI configuration. The URL is only read by the CLI's migrate commands, which need Prisma's
// native engine; this project applies migrations itself (server/platform/database/migrate.ts) so they also run on PGlite.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/postgres" },
});
