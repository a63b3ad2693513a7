import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { expireDueLotsPage } from '../../domain/ledger/expiration-sweep';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { PrismaClient } from '../../platform/database';
import { withBenchDatabase, writeBenchmarkSection } from './bench-support';

/**
 * `npm run bench:sweeps`: the expiration sweep over 100,000 and over 1,000,000 expired lots (ten per
 * account, made set-based in SQL), page after page as the sweep workflow runs them (the activity's
 * code in this process, without the Temporal round trip per page), each size in a fresh database.
 * Linear means the million takes about ten times the hundred thousand; the process's resident
 * memory is sampled after every page.
 */
const SIZES = [100_000, 1_000_000];
const LOTS_PER_ACCOUNT = 10;
const PAGE_SIZE = 500;
// The database's buffer cache, sized to the data as a production server's would be: the million's
// database is about 1.2 GB once swept. At the embedded server's default of 128 MB each page of the
// million found the journal's lot-keyed indexes (related_id, idempotency key: lot ids are random,
// so a page's 5,000 inserts land on 5,000 scattered leaves) and the lots' heap mostly outside the
// cache, and wrote dirty buffers out itself to make room: about 7,500 blocks read and as many written
// per page, against none at 100,000 lots, which fit.
const SHARED_BUFFERS = '2GB';

interface SweepResult {
  lots: number;
  seedSeconds: number;
  sweepSeconds: number;
  pages: number;
  expiredCredits: number;
  rssStartMb: number;
  rssPeakMb: number;
  // Mean milliseconds per page over the first and the last tenth of the pages: a page that grows
  // slower as the sweep goes on would show a cost that is not linear in the lots.
  firstTenthPageMs: number;
  lastTenthPageMs: number;
}

async function seed(prisma: PrismaClient, lots: number): Promise<void> {
  const accounts = lots / LOTS_PER_ACCOUNT;
  await prisma.$executeRaw`INSERT INTO users (id) SELECT 'sweep-' || lpad(g::text, 7, '0') FROM generate_series(1, ${accounts}::int) g`;
  // Each account: ten expired lots of 5 credits, and one that has not expired (it must survive).
  await prisma.$executeRaw`
    INSERT INTO credit_accounts (id, user_id, balance_credits, reserved_credits, updated_at)
    SELECT gen_random_uuid(), id, ${LOTS_PER_ACCOUNT * 5 + 7}::int, 0, now() FROM users WHERE id LIKE 'sweep-%'`;
  await prisma.$executeRaw`
    INSERT INTO credit_lots (id, account_id, source, granted_credits, remaining_credits, expires_at, created_at)
    SELECT gen_random_uuid(), a.id, 'promotion', 5, 5, now() - (n || ' hours')::interval, now() - interval '100 days'
    FROM credit_accounts a, generate_series(1, ${LOTS_PER_ACCOUNT}::int) n`;
  await prisma.$executeRaw`
    INSERT INTO credit_lots (id, account_id, source, granted_credits, remaining_credits, expires_at, created_at)
    SELECT gen_random_uuid(), a.id, 'purchase', 7, 7, now() + interval '300 days', now() FROM credit_accounts a`;
  // Each lot's grant, journaled with the running balance, so the ledger verifies before and after.
  await prisma.$executeRaw`
    INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                 reason, related_type, related_id, actor, idempotency_key, created_at)
    SELECT account_id, 'grant', granted_credits, 0, sum(granted_credits) OVER (PARTITION BY account_id ORDER BY created_at, id), 0,
           'Benchmark grant', 'lot', id::text, 'bench', 'bench-grant:' || id::text, created_at
    FROM credit_lots ORDER BY account_id, created_at, id`;
  // The tables just filled vacuumed and analyzed, as autovacuum would leave them, and their pages
  // checkpointed: otherwise autovacuum's pass over the freshly loaded tables and the checkpoint of
  // the load run during the first pages of the sweep, which on two cores slowed the million's first
  // tenth of pages to nearly twice its last. Not a blanket ANALYZE: that also records the still
  // empty notifications table as analyzed and empty, which autovacuum never does (it analyzes a
  // table only once rows changed), and the low-credit trigger's plan, cached by plpgsql for the
  // session, then scans notifications sequentially for the whole run while the sweep fills it:
  // a quadratic cost of the bench's setup, not of the sweep.
  await prisma.$executeRawUnsafe('VACUUM (ANALYZE) users, credit_accounts, credit_lots, journal_entries');
  await prisma.$executeRawUnsafe('CHECKPOINT');
}

async function sweep(prisma: PrismaClient, lots: number): Promise<SweepResult> {
  const seedStarted = performance.now();
  await seed(prisma, lots);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  global.gc?.();
  const rssStartMb = process.memoryUsage().rss / 2 ** 20;
  let rssPeakMb = rssStartMb;
  const at = new Date();
  let afterAccountId: string | null = null;
  let pages = 0;
  let expiredCredits = 0;
  const started = performance.now();
  const pageMs: number[] = [];
  for (;;) {
    const pageStarted = performance.now();
    const page = await expireDueLotsPage(prisma, { afterAccountId, pageSize: PAGE_SIZE, at });
    pageMs.push(performance.now() - pageStarted);
    pages += 1;
    expiredCredits += page.expiredCredits;
    rssPeakMb = Math.max(rssPeakMb, process.memoryUsage().rss / 2 ** 20);
    if (page.accounts < PAGE_SIZE || page.lastAccountId === null) break;
    afterAccountId = page.lastAccountId;
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  if (expiredCredits !== lots * 5) throw new Error(`expired ${expiredCredits} credits, expected ${lots * 5}`);
  if (lots <= 100_000) {
    const violations = await verifyLedger(prisma);
    if (violations.length > 0) throw new Error(`ledger invariants violated: ${JSON.stringify(violations, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)).slice(0, 2_000)}`);
  }
  const tenth = Math.max(1, Math.floor(pageMs.length / 10));
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const firstTenthPageMs = mean(pageMs.slice(0, tenth));
  const lastTenthPageMs = mean(pageMs.slice(-tenth - 1, -1));
  console.log(`${lots} lots: ms per page, first tenth ${firstTenthPageMs.toFixed(0)}, last tenth ${lastTenthPageMs.toFixed(0)}`);
  const [database] = await prisma.$queryRaw<Array<{ mb: number }>>`SELECT (pg_database_size(current_database()) / 1048576)::int AS mb`;
  console.log(`${lots} lots: seeded in ${seedSeconds.toFixed(1)} s, swept in ${sweepSeconds.toFixed(1)} s (${pages} pages), RSS ${rssStartMb.toFixed(0)} -> peak ${rssPeakMb.toFixed(0)} MB, database ${database?.mb} MB after the sweep`);
  return { lots, seedSeconds, sweepSeconds, pages, expiredCredits, rssStartMb, rssPeakMb, firstTenthPageMs, lastTenthPageMs };
}

async function main(): Promise<void> {
  const results: SweepResult[] = [];
  for (const lots of SIZES) {
    await withBenchDatabase(
      async (prisma) => {
        results.push(await sweep(prisma, lots));
      },
      { postgresFlags: ['-c', `shared_buffers=${SHARED_BUFFERS}`] },
    );
  }
  const [small, large] = results as [SweepResult, SweepResult];
  const ratio = large.sweepSeconds / (small.sweepSeconds * (large.lots / small.lots));
  const rows = results
    .map((result) => `| ${result.lots.toLocaleString('en')} | ${result.pages} | ${result.sweepSeconds.toFixed(1)} | ${Math.round(result.lots / result.sweepSeconds).toLocaleString('en')} | ${result.firstTenthPageMs.toFixed(0)} / ${result.lastTenthPageMs.toFixed(0)} | ${result.rssStartMb.toFixed(0)} -> ${result.rssPeakMb.toFixed(0)} |`)
    .join('\n');
  writeBenchmarkSection('## Expiration sweep scaling', `## Expiration sweep scaling

\`npm run bench:sweeps\`, ${new Date().toISOString().slice(0, 10)}, embedded PostgreSQL with shared_buffers=${SHARED_BUFFERS} (sized to the data), ${os.cpus().length} cores (shared), pages of ${PAGE_SIZE} accounts,
${LOTS_PER_ACCOUNT} expired lots per account plus one that must survive, each size in a fresh database seeded set-based in SQL.
The activity's code runs in the benchmark's process page after page (the Temporal round trip per page is not included);
RSS is that process's, sampled after every page. The 100,000 run also checks every ledger invariant afterwards.

| expired lots | pages | seconds | lots per second | ms per page, first / last tenth | RSS MB (start -> peak) |
| --- | --- | --- | --- | --- | --- |
${rows}

The million took **${ratio.toFixed(2)}x** ten times the hundred thousand (linear within 30% means at most 1.30).
`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
