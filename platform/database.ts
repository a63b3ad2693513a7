import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type { PrismaClient } from '../generated/prisma/client';

/**
 * Prisma through the `pg` driver adapter: no Rust query engine to download, and the pool size is
 * ours to set. One client per process; callers `$disconnect()` it on shutdown.
 */
export function createPrismaClient(options: { databaseUrl: string; poolSize: number; connectTimeoutMs?: number }): PrismaClient {
  // Without a connect timeout, a request waits as long as the OS does for an unreachable host.
  const adapter = new PrismaPg({ connectionString: options.databaseUrl, max: options.poolSize, connectionTimeoutMillis: options.connectTimeoutMs });
  return new PrismaClient({ adapter });
}

/** Resolves when the database answers a trivial query (the readiness probe). */
export async function pingDatabase(prisma: PrismaClient): Promise<void> {
  await prisma.$queryRaw`SELECT 1`;
}
