import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readUserIdFile, registerExistingUsers } from '../../domain/backfill/backfill-users';
import { startOrAttachBackfill, watchBackfill } from '../../orchestration/backfill-client';
import { systemClock } from '../../platform/clock';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { BACKFILL_WORKFLOW_ID, getBackfillProgressQuery } from '../../workflows/backfill/contract';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { WorkerProcess } from '../support/worker-process';

const LEGACY_USERS = 3000;
let harness: SagaHarness;
let worker: WorkerProcess;

beforeAll(async () => {
  // Small pages with a pause, so the backfill spans many pages, runs and seconds: long enough to
  // kill the worker in the middle of it.
  harness = await startSagaHarness({
    inProcessWorker: false,
    env: { BACKFILL_PAGE_SIZE: '100', BACKFILL_PAGES_PER_RUN: '4', BACKFILL_PAUSE_MS: '150' },
  });
  worker = await WorkerProcess.forHarness(harness);
  await harness.prisma.$executeRaw`INSERT INTO users (id) SELECT 'legacy-' || lpad(g::text, 5, '0') FROM generate_series(1, ${LEGACY_USERS}) g`;
  for (const userId of ['legacy-00007', 'legacy-01500', 'legacy-02999']) {
    await openAccountIfMissing(harness.prisma, { userId, signupCredits: 50, clock: systemClock });
  }
});

afterAll(async () => {
  await worker?.stop();
  await harness?.close();
});

describe('the migration backfill', () => {
  it('grants every existing user without an account exactly 50 credits, through a worker crash', async () => {
    await worker.start();
    const { attached } = await startOrAttachBackfill(harness.temporal, harness.config);
    expect(attached).toBe(false);
    const handle = harness.temporal.workflow.getHandle(BACKFILL_WORKFLOW_ID);
    await waitFor(() => handle.query(getBackfillProgressQuery).catch(() => null), (progress) => (progress?.scannedUsers ?? 0) >= 800, { what: 'the backfill to be under way' });
    await worker.kill();
    const midway = await harness.prisma.creditLot.count({ where: { source: 'migration' } });
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(LEGACY_USERS - 3);

    // Starting it again while it runs attaches instead of starting a second one.
    expect((await startOrAttachBackfill(harness.temporal, harness.config)).attached).toBe(true);
    await worker.start();
    const result = await watchBackfill(harness.temporal, () => undefined, 200);
    expect(result).toMatchObject({ done: true, scannedUsers: LEGACY_USERS, grantedUsers: LEGACY_USERS - 3 });
    expect(result.pages).toBe(LEGACY_USERS / 100);

    const grants = await harness.prisma.$queryRaw<Array<{ lots: number; credits: number; users: number }>>`
      SELECT COUNT(*)::int AS lots, SUM(granted_credits)::int AS credits, COUNT(DISTINCT account_id)::int AS users FROM credit_lots WHERE source = 'migration'`;
    expect(grants[0]).toEqual({ lots: LEGACY_USERS - 3, credits: (LEGACY_USERS - 3) * 50, users: LEGACY_USERS - 3 });
    const wrongBalances = await harness.prisma.creditAccount.count({ where: { balanceCredits: { not: 50 } } });
    expect(wrongBalances).toBe(0);
    const alreadyOpen = await harness.prisma.creditLot.count({ where: { source: 'migration', account: { userId: { in: ['legacy-00007', 'legacy-01500', 'legacy-02999'] } } } });
    expect(alreadyOpen).toBe(0);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('grants nothing when run a second time', async () => {
    const { attached } = await startOrAttachBackfill(harness.temporal, harness.config);
    expect(attached).toBe(false);
    const result = await watchBackfill(harness.temporal, () => undefined, 200);
    expect(result).toMatchObject({ done: true, scannedUsers: LEGACY_USERS, grantedUsers: 0 });
    expect(await harness.prisma.creditLot.count({ where: { source: 'migration' } })).toBe(LEGACY_USERS - 3);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('grants each of 10,000 users listed in a file 50 credits once, through a crash and a resume, and never a second welcome', async () => {
    const FILE_USERS = 10_000;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'backfill-file-'));
    const file = path.join(dir, 'users.csv');
    // A header, plain ids, JSON lines, a blank line and a duplicate: all read as the host app writes them.
    const lines = ['user_id', ...Array.from({ length: FILE_USERS }, (_, i) => (i % 3 === 0 ? JSON.stringify({ userId: `host-${String(i).padStart(5, '0')}` }) : `host-${String(i).padStart(5, '0')}`)), '', 'host-00001'];
    await writeFile(file, lines.join('\n'));
    const parsed = await readUserIdFile(file);
    expect(parsed).toEqual({ userIds: expect.any(Array), invalid: [] });
    expect(parsed.userIds).toHaveLength(FILE_USERS);
    await writeFile(path.join(dir, 'bad.csv'), 'host-1\nnot valid!\n{"nope": 1}\n');
    expect((await readUserIdFile(path.join(dir, 'bad.csv'))).invalid.map((line) => line.line)).toEqual([2, 3]);

    // The import is interrupted halfway, and run again from the start: nothing is registered twice.
    expect(await registerExistingUsers(harness.prisma, parsed.userIds.slice(0, FILE_USERS / 2))).toBe(FILE_USERS / 2);
    const progress: number[] = [];
    expect(await registerExistingUsers(harness.prisma, parsed.userIds, { onProgress: (done) => progress.push(done) })).toBe(FILE_USERS / 2);
    expect(progress[progress.length - 1]).toBe(FILE_USERS);
    // One listed user signs in before the backfill reaches them: the signup welcome, and no migration grant later.
    await openAccountIfMissing(harness.prisma, { userId: 'host-09998', signupCredits: 50, clock: systemClock });

    // The worker of the tests above is still running.
    expect((await startOrAttachBackfill(harness.temporal, harness.config)).attached).toBe(false);
    const handle = harness.temporal.workflow.getHandle(BACKFILL_WORKFLOW_ID);
    await waitFor(() => handle.query(getBackfillProgressQuery).catch(() => null), (p) => (p?.grantedUsers ?? 0) >= 1_000, { what: 'the file backfill to be under way' });
    await worker.kill();
    await worker.start();
    const result = await watchBackfill(harness.temporal, () => undefined, 200);
    expect(result).toMatchObject({ done: true, grantedUsers: FILE_USERS - 1 });

    const perUser = await harness.prisma.$queryRaw<Array<{ users: number; min_welcomes: number; max_welcomes: number; wrong_balances: number }>>`
      SELECT COUNT(*)::int AS users, MIN(welcomes)::int AS min_welcomes, MAX(welcomes)::int AS max_welcomes,
             COUNT(*) FILTER (WHERE balance_credits <> 50)::int AS wrong_balances FROM (
        SELECT a.user_id, a.balance_credits, (SELECT COUNT(*) FROM journal_entries j WHERE j.account_id = a.id AND j.idempotency_key = 'welcome:' || a.user_id) AS welcomes
        FROM credit_accounts a WHERE a.user_id LIKE 'host-%') per_user`;
    expect(perUser[0]).toEqual({ users: FILE_USERS, min_welcomes: 1, max_welcomes: 1, wrong_balances: 0 });
    expect(await harness.prisma.creditLot.count({ where: { account: { userId: 'host-09998' } } })).toBe(1);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
    // 130 pages with a pause each, and a killed worker's page waits out its activity timeout (30 s).
  }, 300_000);
});
