import { defineConfig } from 'prisma/config';

// Read by the Prisma CLI only (generate, and `migrate deploy` where the schema engine is
// available). The service itself never reads this file: it gets DATABASE_URL from platform/config.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/credits' },
});
