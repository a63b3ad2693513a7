import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient } from '../generated/prisma/client';

/**
 * Prisma through the `pg` driver adapter: no Rust query engine to download, and the pool size is
 * ours to set. One client per process; callers `$disconnect()` it on shutdown.
 */
export function createPrismaClient(options: { databaseUrl: string; poolSize: number; connectTimeoutMs?: number }): PrismaClient {
  // Without a connect timeout, a request waits as long as the OS does for an unreachable host.
  // `min` at the pool size: connections once opened stay open (a fixed-size pool, as HikariCP
  // advises). pg closes idle ones after 10 s by default, and a burst after a quiet spell then paid
  // a new backend and its authentication on each of its first concurrent requests.
  const adapter = new PrismaPg({ connectionString: options.databaseUrl, max: options.poolSize, min: options.poolSize, connectionTimeoutMillis: options.connectTimeoutMs });
  return new PrismaClient({ adapter });
}

/**
 * Opens the pool's connections now (one trivial query on each), so the first burst after a start
 * does not open them. Best effort: a database that is not there yet is the readiness probe's
 * business, and the pool opens connections on demand anyway.
 */
export async function warmPool(prisma: PrismaClient, poolSize: number): Promise<void> {
  await Promise.allSettled(Array.from({ length: poolSize }, () => prisma.$queryRaw`SELECT pg_sleep(0.05)`));
}

/** Resolves when the database answers a trivial query (the readiness probe). */
export async function pingDatabase(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}
