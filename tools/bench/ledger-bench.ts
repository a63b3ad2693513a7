import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { applyMigrations } from '../../platform/migrate';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { createDatabase, startEmbeddedPostgres } from '../dev-services/embedded-postgres';
import { findFreePort } from '../dev-services/free-port';
import { measureLedgerAgainstPg } from './ledger-vs-pg';

/**
 * `npm run bench:ledger`: only the ledger hot path of `npm run bench:sagas` (reserve + capture
 * through our code against the same statements through plain pg), on an embedded Postgres of its
 * own: quick to repeat while changing the reserve path. It then measures what one statement costs
 * inside a transaction, the same indexed one-row SELECT sent 10 times per transaction through pg,
 * through Prisma's raw queries, and through a Prisma model query, which is what the hot path's
 * ratio is made of.
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-ledger-bench-'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), persistent: false });
  try {
    await createDatabase(postgres.adminUrl, 'bench');
    const databaseUrl = postgres.urlFor('bench');
    await applyMigrations(databaseUrl);
    const prisma = createPrismaClient({ databaseUrl, poolSize: 20 });
    try {
      const result = await measureLedgerAgainstPg(prisma, databaseUrl);
      const ratios = result.ours.map((ours, round) => `${((100 * ours) / result.pg[round]!).toFixed(0)}%`);
      console.log(`ours/pg per round: ${ratios.join(', ')}`);
      await measureStatementCost(prisma, databaseUrl);
    } finally {
      await prisma.$disconnect();
    }
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const STATEMENTS_PER_TRANSACTION = 10;
const TRANSACTIONS = 2_000;
const CONCURRENCY = 10;

async function measureStatementCost(prisma: PrismaClient, databaseUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  const userId = 'statement-cost-probe';
  const ways: Array<[string, () => Promise<unknown>]> = [
    ['pg', async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        for (let index = 0; index < STATEMENTS_PER_TRANSACTION; index += 1) await client.query('SELECT id FROM credit_accounts WHERE user_id = $1', [userId]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }],
    ['Prisma $queryRaw', () => inLedgerTransaction(prisma, async (tx) => {
      for (let index = 0; index < STATEMENTS_PER_TRANSACTION; index += 1) await tx.$queryRaw`SELECT id FROM credit_accounts WHERE user_id = ${userId}`;
    })],
    ['Prisma model query', () => inLedgerTransaction(prisma, async (tx) => {
      for (let index = 0; index < STATEMENTS_PER_TRANSACTION; index += 1) await tx.creditAccount.findUnique({ where: { userId }, select: { id: true } });
    })],
  ];
  try {
    for (let round = 0; round < 2; round += 1) {
      const rates = [];
      for (const [name, transaction] of ways) {
        const started = performance.now();
        await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
          for (let index = 0; index < TRANSACTIONS / CONCURRENCY; index += 1) await transaction();
        }));
        rates.push(`${name} ${((TRANSACTIONS * STATEMENTS_PER_TRANSACTION) / ((performance.now() - started) / 1000)).toFixed(0)}`);
      }
      console.log(`statements/s in transactions of ${STATEMENTS_PER_TRANSACTION}, round ${round}: ${rates.join(', ')}`);
    }
  } finally {
    await pool.end();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
