import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PrismaClient } from '../../platform/database';
import { readCreditAnalytics } from '../../domain/analytics/credit-analytics';
import { withBenchDatabase, writeBenchmarkSection } from './bench-support';

/**
 * `npm run bench:analytics`: GET /users/me/credit-analytics's query for a user with 100,000 journal
 * entries, against a baseline measured in the same run on the same data: reading the rows and
 * aggregating them in JavaScript. Writes the numbers to BENCHMARKS.md.
 */
const ENTRIES = 100_000;
const GENERATIONS = 30_000;
const RUNS = 30;
const USER = 'bench-user';

async function seed(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`INSERT INTO users (id) VALUES (${USER})`;
  await prisma.$executeRaw`INSERT INTO credit_accounts (id, user_id, balance_credits, updated_at) VALUES (gen_random_uuid(), ${USER}, 1000, now())`;
  // A year of history: grants, holds, captures, releases and expiries in a realistic mix.
  await prisma.$executeRaw`
    INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits, reason, related_type, related_id, actor, idempotency_key, created_at)
    SELECT a.id,
           (ARRAY['grant','reservation','capture','release','expiration'])[1 + g % 5]::journal_entry_type,
           (ARRAY[3, 0, -2, 0, -1])[1 + g % 5], 0, 1000, 0, 'bench', 'generation', 'g' || (g / 3), 'system:bench', 'bench:' || g,
           now() - (g * interval '315 seconds')
    FROM credit_accounts a, generate_series(1, ${ENTRIES}) g WHERE a.user_id = ${USER}`;
  await prisma.$executeRaw`
    INSERT INTO generations (id, user_id, request_hash, type, requested_count, input_text, status, estimated_cost_credits, actual_cost_credits, produced_count, workflow_id, created_at, updated_at)
    SELECT 'g' || g, ${USER}, 'h', (ARRAY['flashcards','quiz'])[1 + g % 2]::generation_type, 5, 'x',
           (ARRAY['succeeded','succeeded','succeeded','failed','cancelled'])[1 + g % 5]::generation_status,
           2, CASE WHEN g % 5 < 3 THEN 1 + g % 4 ELSE 0 END, 5, 'generation-g' || g, now() - (g * interval '1050 seconds'), now()
    FROM generate_series(1, ${GENERATIONS}) g`;
  await prisma.$executeRawUnsafe('ANALYZE');
}

/** The baseline: what the endpoint would cost if it loaded the rows and looped over them. */
async function analyticsInJavaScript(prisma: PrismaClient, from: Date, to: Date): Promise<number> {
  const account = await prisma.creditAccount.findUniqueOrThrow({ where: { userId: USER } });
  const entries = await prisma.journalEntry.findMany({ where: { accountId: account.id, createdAt: { gte: from, lt: to } }, select: { type: true, amountCredits: true, createdAt: true } });
  const generations = await prisma.generation.findMany({ where: { userId: USER, createdAt: { gte: from, lt: to } }, select: { type: true, status: true, actualCostCredits: true } });
  const buckets = new Map<string, number>();
  for (const entry of entries) {
    const day = entry.createdAt.toISOString().slice(0, 10);
    if (entry.type === 'capture') buckets.set(day, (buckets.get(day) ?? 0) - entry.amountCredits);
  }
  return buckets.size + generations.filter((generation) => generation.status === 'succeeded').length;
}

async function time(label: string, work: () => Promise<unknown>): Promise<{ label: string; p50: number; p95: number; max: number }> {
  for (let i = 0; i < 3; i += 1) await work();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 10) / 10;
  return { label, p50: at(0.5), p95: at(0.95), max: at(1) };
}

async function main(): Promise<void> {
  await withBenchDatabase(async (prisma) => {
    await seed(prisma);
    const to = new Date();
    const from = new Date(to.getTime() - 365 * 24 * 3600 * 1000);
    const results = [
      await time('analytics in SQL (the endpoint), 365 daily buckets', () => readCreditAnalytics(prisma, USER, { from, to, bucket: 'day' })),
      await time('analytics in SQL (the endpoint), 12 monthly buckets', () => readCreditAnalytics(prisma, USER, { from, to, bucket: 'month' })),
      await time('baseline: load rows, aggregate in JavaScript', () => analyticsInJavaScript(prisma, from, to)),
    ];
    report(results);
  });
}

function report(results: Array<{ label: string; p50: number; p95: number; max: number }>): void {
  const rows = results.map((result) => `| ${result.label} | ${result.p50} | ${result.p95} | ${result.max} |`).join('\n');
  writeBenchmarkSection('## Credit analytics for a user with', `## Credit analytics for a user with ${ENTRIES.toLocaleString('en')} journal entries

\`npm run bench:analytics\`, ${new Date().toISOString().slice(0, 10)}, embedded PostgreSQL, ${os.cpus().length} cores, ${RUNS} timed runs after 3 warm-up runs.
The user also has ${GENERATIONS.toLocaleString('en')} generations; the range is the last 365 days.

| what | p50 ms | p95 ms | max ms |
| --- | --- | --- | --- |
${rows}
`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
