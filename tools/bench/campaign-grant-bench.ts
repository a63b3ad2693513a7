import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { PrismaClient } from '../../platform/database';
import { lockAccountsInOrder } from '../../domain/ledger/account-lock';
import { backfillPage } from '../../domain/backfill/backfill-page';
import { grantCampaignPage } from '../../domain/campaigns/campaign-grant';
import { grantLot } from '../../domain/ledger/grant';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { withBenchDatabase, writeBenchmarkSection } from './bench-support';

/**
 * `npm run bench:campaigns`: a campaign run over 20,000 users, as the campaign workflow grants it
 * (one set-based statement per page of 500), against a baseline measured in the same run on the
 * same accounts: the same pages, each user granted with grantLot inside the page's transaction, as
 * the subscription refill does. Writes the numbers to BENCHMARKS.md.
 */
const USERS = 20_000;
const PAGE_SIZE = 500;
const RUNS = 3;
const MAX_BALANCE = 1_000_000;

async function seed(prisma: PrismaClient): Promise<void> {
  await prisma.$executeRaw`INSERT INTO users (id) SELECT 'bench-' || lpad(g::text, 6, '0') FROM generate_series(1, ${USERS}) g`;
  let afterUserId: string | null = null;
  for (;;) {
    const page = await backfillPage(prisma, { afterUserId, pageSize: 5_000, grantCredits: 50, backfillId: 'bench', at: new Date() });
    if (page.scannedUsers === 0) break;
    afterUserId = page.lastUserId;
  }
  await prisma.campaign.create({
    data: { id: '00000000-0000-4000-8000-000000000001', name: 'Bench', amountCredits: 5, segment: { kind: 'all_users' }, cron: '0 0 1 1 *', scheduleId: 'bench', createdBy: 'bench', requestHash: 'bench' },
  });
  await prisma.$executeRawUnsafe('ANALYZE');
}

async function setBasedRun(prisma: PrismaClient, runKey: string): Promise<number> {
  const run = await prisma.campaignRun.create({ data: { campaignId: '00000000-0000-4000-8000-000000000001', runKey, workflowId: runKey } });
  let afterUserId: string | null = null;
  let granted = 0;
  for (;;) {
    const page = await grantCampaignPage(prisma, {
      campaignId: run.campaignId, campaignName: 'Bench', runId: run.id, runKey, amountCredits: 5, expiresAt: null,
      segment: { kind: 'all_users' }, afterUserId, pageSize: PAGE_SIZE, maxBalanceCredits: MAX_BALANCE, at: new Date(),
    });
    granted += page.grantedUsers;
    if (page.scannedUsers < PAGE_SIZE || page.lastUserId === null) return granted;
    afterUserId = page.lastUserId;
  }
}

/** The baseline: the same pages, one grantLot per user (four statements each) in the page's transaction. */
async function perUserRun(prisma: PrismaClient, runKey: string): Promise<number> {
  let afterUserId = '';
  let granted = 0;
  for (;;) {
    const users = await prisma.creditAccount.findMany({ where: { userId: { gt: afterUserId } }, orderBy: { userId: 'asc' }, take: PAGE_SIZE, select: { userId: true } });
    if (users.length === 0) return granted;
    granted += await inLedgerTransaction(prisma, async (tx) => {
      const accounts = await lockAccountsInOrder(tx, users.map((user) => user.userId));
      let count = 0;
      for (const account of accounts.values()) {
        const outcome = await grantLot(tx, account, {
          source: 'promotion', credits: 5, expiresAt: null, reason: 'Promotion: Bench', actor: 'system:campaign',
          idempotencyKey: `campaign:bench:${runKey}:${account.userId}`, cap: { maxBalanceCredits: MAX_BALANCE, policy: 'grant_up_to_cap' }, at: new Date(),
        });
        if (outcome.kind === 'granted') count += 1;
      }
      return count;
    });
    afterUserId = users[users.length - 1]!.userId;
  }
}

async function measure(label: string, run: (runKey: string) => Promise<number>): Promise<{ label: string; seconds: number[]; usersPerSecond: number }> {
  const seconds: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    const granted = await run(`${label.slice(0, 8)}-${i}`);
    if (granted !== USERS) throw new Error(`${label} granted ${granted} users, expected ${USERS}`);
    seconds.push((performance.now() - started) / 1000);
  }
  const median = [...seconds].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  return { label, seconds, usersPerSecond: Math.round(USERS / median) };
}

async function main(): Promise<void> {
  await withBenchDatabase(async (prisma) => {
    await seed(prisma);
    const results = [await measure('set-based pages (the campaign workflow)', (runKey) => setBasedRun(prisma, runKey)), await measure('baseline: grantLot per user, same pages', (runKey) => perUserRun(prisma, runKey))];
    const rows = results.map((result) => `| ${result.label} | ${result.seconds.map((s) => s.toFixed(2)).join(' / ')} | ${result.usersPerSecond.toLocaleString('en')} |`).join('\n');
    writeBenchmarkSection('## A campaign run over', `## A campaign run over ${USERS.toLocaleString('en')} users

\`npm run bench:campaigns\`, ${new Date().toISOString().slice(0, 10)}, embedded PostgreSQL, ${os.cpus().length} cores, pages of ${PAGE_SIZE}, ${RUNS} runs of each
(every run grants all ${USERS.toLocaleString('en')} users once; the Temporal activity round trip per page is not included).

| what | seconds per run | users per second (median run) |
| --- | --- | --- |
${rows}
`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
