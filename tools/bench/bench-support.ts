import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../platform/migrate';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import { createDatabase, startEmbeddedPostgres } from '../dev-services/embedded-postgres';
import { findFreePort } from '../dev-services/free-port';

/** A throwaway embedded Postgres with the migrations applied, for one benchmark run. */
export async function withBenchDatabase(work: (prisma: PrismaClient) => Promise<void>, options: { postgresFlags?: string[] } = {}): Promise<void> {
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(mkdtempSync(path.join(os.tmpdir(), 'credits-bench-')), 'data'), port: await findFreePort(), persistent: false, postgresFlags: options.postgresFlags });
  const prisma = createPrismaClient({ databaseUrl: postgres.urlFor('bench'), poolSize: 4 });
  try {
    await createDatabase(postgres.adminUrl, 'bench');
    await applyMigrations(postgres.urlFor('bench'));
    await work(prisma);
  } finally {
    await prisma.$disconnect();
    await postgres.stop();
  }
}

/** Replaces the section of BENCHMARKS.md that starts with `marker` (or appends it), and prints it. */
export function writeBenchmarkSection(marker: string, section: string): void {
  console.log(section);
  const file = path.resolve(__dirname, '..', '..', 'BENCHMARKS.md');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nNumbers come from the scripts named in each section, with a baseline measured in the same run.\n\n';
  const start = existing.indexOf(marker);
  const next = start === -1 ? -1 : existing.indexOf('\n## ', start + marker.length);
  const updated = start === -1 ? `${existing.trimEnd()}\n\n${section}` : `${existing.slice(0, start)}${section}${next === -1 ? '' : existing.slice(next + 1)}`;
  writeFileSync(file, updated.endsWith('\n') ? updated : `${updated}\n`);
}
