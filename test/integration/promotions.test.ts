import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { backfillPage } from '../../domain/backfill/backfill-page';
import { claimDailyBonus, utcDay } from '../../domain/bonuses/daily-bonus';
import { adjustCredits } from '../../domain/ledger/adjust';
import { closeReservation } from '../../domain/ledger/close-reservation';
import { reserveCredits } from '../../domain/ledger/reserve';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { applySchedules, recurringJobs } from '../../orchestration/recurring-schedules';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { NEVER_DUE_SCHEDULES, triggerScheduleRuns } from '../support/schedules';
import { WorkerProcess } from '../support/worker-process';

const ACTIVE_USERS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const prefix = `promo-${randomUUID().slice(0, 8)}`;
let harness: SagaHarness;
let worker: WorkerProcess;

beforeAll(async () => {
  harness = await startSagaHarness({
    inProcessWorker: false,
    achievements: true,
    env: {
      SCHEDULE_ID_PREFIX: prefix,
      ...NEVER_DUE_SCHEDULES,
      // Small pages: the 10,000 users span 200 transactions, long enough to kill the worker midway.
      SWEEP_PAGE_SIZE: '50',
    },
  });
  worker = await WorkerProcess.forHarness(harness);
  await worker.start();
  await applySchedules(harness.temporal, harness.config);
});

afterAll(async () => {
  await Promise.allSettled(recurringJobs(harness.config).map((job) => harness.temporal.schedule.getHandle(job.scheduleId).delete()));
  await worker?.stop();
  await harness?.close();
});

const asUser = async (userId: string) => `Bearer ${await harness.tokenFor(userId)}`;
const asAdmin = async () => `Bearer ${await harness.tokenFor('promo-admin', 'admin')}`;

async function achievementsOf(userId: string) {
  const response = await request(harness.app).get('/users/me/achievements').set('Authorization', await asUser(userId));
  expect(response.status).toBe(200);
  return response.body.items as Array<{ code: string; earned: boolean; progress: number; grantedCredits: number | null }>;
}

async function awardsOf(userId: string, code: string): Promise<{ rows: number; lots: number }> {
  const rows = await harness.prisma.userAchievement.count({ where: { userId, achievementCode: code } });
  const lots = await harness.prisma.creditLot.count({ where: { source: 'promotion', relatedId: code, account: { userId } } });
  return { rows, lots };
}

describe('achievements', () => {
  it('awards the generation achievements exactly once under 12 concurrent generations', async () => {
    const userId = `achiever-${prefix}`;
    const user = apiAs(harness, userId);
    await user.credits();
    const started = await Promise.all(Array.from({ length: 12 }, (_, i) => user.createGeneration(flashcards(`Card ${i}. More text.`, 5), `achieve-${i}`)));
    for (const generation of started) expect(generation.status).toBe(202);
    await Promise.all(started.map((generation) => user.waitForStatus(generation.body.id, ['succeeded'])));

    expect(await awardsOf(userId, 'first-generation')).toEqual({ rows: 1, lots: 1 });
    expect(await awardsOf(userId, 'ten-generations')).toEqual({ rows: 1, lots: 1 });
    expect(await awardsOf(userId, 'hundred-generations')).toEqual({ rows: 0, lots: 0 });
    const items = await achievementsOf(userId);
    expect(items.find((item) => item.code === 'ten-generations')).toMatchObject({ earned: true, progress: 10, grantedCredits: 10 });
    expect(items.find((item) => item.code === 'hundred-generations')).toMatchObject({ earned: false, progress: 12, grantedCredits: null });
    // 50 welcome - 12 generations of 1 credit + 5 + 10 in rewards.
    expect((await user.credits()).body.balance).toBe(50 - 12 + 5 + 10);
    const history = await user.history('?type=grant');
    expect(history.body.items.filter((item: { reason: string }) => item.reason.startsWith('Achievement:'))).toHaveLength(2);
    expect(history.body.items[0]).toMatchObject({ source: 'promotion' });
  });

  it('awards the first gift once under 10 concurrent transfers, and the first referral to the referrer', async () => {
    const giver = `giver-${prefix}`;
    const receiver = `receiver-${prefix}`;
    await apiAs(harness, receiver).credits();
    await apiAs(harness, giver).credits();
    const sent = await Promise.all(
      Array.from({ length: 10 }, async (_, i) =>
        request(harness.app).post('/credits/transfers').set('Authorization', await asUser(giver)).set('Idempotency-Key', `gift-${i}`).send({ toUserId: receiver, amount: 1 }),
      ),
    );
    expect(sent.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(await awardsOf(giver, 'first-gift')).toEqual({ rows: 1, lots: 1 });

    const code = (await request(harness.app).get('/users/me/referral').set('Authorization', await asUser(giver))).body.code as string;
    const newcomers = [`newcomer-a-${prefix}`, `newcomer-b-${prefix}`, `newcomer-c-${prefix}`];
    const redeemed = await Promise.all(newcomers.map(async (userId) => request(harness.app).post('/users/me/referral').set('Authorization', await asUser(userId)).send({ code })));
    expect(redeemed.map((response) => response.status)).toEqual([201, 201, 201]);
    expect(await awardsOf(giver, 'first-referral')).toEqual({ rows: 1, lots: 1 });
    expect(await awardsOf(newcomers[0]!, 'first-referral')).toEqual({ rows: 0, lots: 0 });
  });

  it('lets an operator add an achievement without a deploy, validated and audited', async () => {
    const admin = await asAdmin();
    const bad = await request(harness.app).put('/admin/achievements/two-gifts').set('Authorization', admin).send({ title: 'Two', metric: 'logins', threshold: 2, rewardCredits: 3, reason: 'test' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const badCode = await request(harness.app).put('/admin/achievements/Not%20A%20Code').set('Authorization', admin).send({ title: 'Two', metric: 'gifts_sent', threshold: 2, rewardCredits: 3, reason: 'test' });
    expect(badCode.status).toBe(400);
    const forbidden = await request(harness.app).put('/admin/achievements/two-gifts').set('Authorization', await asUser('plain-user')).send({ title: 'Two', metric: 'gifts_sent', threshold: 2, rewardCredits: 3, reason: 'test' });
    expect(forbidden.status).toBe(403);
    const added = await request(harness.app).put('/admin/achievements/two-gifts').set('Authorization', admin).send({ title: 'Two gifts', metric: 'gifts_sent', threshold: 2, rewardCredits: 3, reason: 'spring push' });
    expect(added.status).toBe(201);
    expect(await harness.prisma.operatorAuditEntry.count({ where: { targetType: 'achievement', targetId: 'two-gifts', action: 'create_achievement' } })).toBe(1);
    // The database refuses what the route would: the catalogue is validated wherever it is edited.
    await expect(harness.prisma.$executeRaw`INSERT INTO achievements (code, title, description, metric, threshold, reward_credits) VALUES ('x', 'X', '', 'gifts_sent', 0, 1)`).rejects.toThrow();
    const giver = `giver-${prefix}`;
    const gift = await request(harness.app).post('/credits/transfers').set('Authorization', await asUser(giver)).set('Idempotency-Key', 'gift-after-new-achievement').send({ toUserId: `receiver-${prefix}`, amount: 1 });
    expect(gift.status).toBe(201);
    expect(await awardsOf(giver, 'two-gifts')).toEqual({ rows: 1, lots: 1 });
    expect((await request(harness.app).get('/users/me/achievements')).status).toBe(401);
  });
});

describe('the nightly daily bonus', () => {
  it('pays each of 10,000 users active yesterday one bonus, through a worker crash, and claimers nothing more', async () => {
    const today = utcDay(new Date());
    const yesterday = utcDay(new Date(Date.now() - DAY_MS));
    await harness.prisma.$executeRaw`INSERT INTO users (id) SELECT 'active-' || lpad(g::text, 5, '0') FROM generate_series(1, ${ACTIVE_USERS}) g`;
    for (let afterUserId: string | null = 'active-'; ; ) {
      const page = await backfillPage(harness.prisma, { afterUserId, pageSize: 5_000, grantCredits: 50, backfillId: 'daily-bonus-seed', at: new Date() });
      if (page.scannedUsers === 0) break;
      afterUserId = page.lastUserId;
    }
    await harness.prisma.$executeRaw`INSERT INTO user_activity_days (day, user_id) SELECT ${yesterday}, 'active-' || lpad(g::text, 5, '0') FROM generate_series(1, ${ACTIVE_USERS}) g`;
    // Three users claimed yesterday's bonus themselves; one comes to day 7 of a streak yesterday.
    const claimers = ['active-00010', 'active-05000', 'active-09999'];
    for (const userId of claimers) {
      await inLedgerTransaction(harness.prisma, (tx) => claimDailyBonus(tx, { userId, baseCredits: 2, streakLength: 7, maxBalanceCredits: 10_000, at: new Date(Date.now() - DAY_MS) }));
    }
    const streaker = 'active-00042';
    for (let daysAgo = 7; daysAgo >= 2; daysAgo -= 1) {
      await inLedgerTransaction(harness.prisma, (tx) => claimDailyBonus(tx, { userId: streaker, baseCredits: 2, streakLength: 7, maxBalanceCredits: 10_000, at: new Date(Date.now() - daysAgo * DAY_MS) }));
    }

    const [workflowId] = await triggerScheduleRuns(harness.temporal, `${prefix}-daily-bonus`);
    await waitFor(() => harness.prisma.dailyBonusClaim.count({ where: { day: yesterday } }), (count) => count > claimers.length, { what: 'the run to be paying', intervalMs: 20 });
    await worker.kill();
    const midway = await harness.prisma.dailyBonusClaim.count({ where: { day: yesterday } });
    expect(midway).toBeLessThan(ACTIVE_USERS);
    await worker.start();
    const result = await harness.temporal.workflow.getHandle(workflowId!).result();
    expect(result).toMatchObject({ day: yesterday });

    const perUser = await harness.prisma.$queryRaw<Array<{ users: number; min_claims: number; max_claims: number; min_entries: number; max_entries: number }>>`
      SELECT COUNT(*)::int AS users, MIN(claims)::int AS min_claims, MAX(claims)::int AS max_claims, MIN(entries)::int AS min_entries, MAX(entries)::int AS max_entries FROM (
        SELECT d.user_id,
               (SELECT COUNT(*) FROM daily_bonus_claims c WHERE c.user_id = d.user_id AND c.day = ${yesterday}) AS claims,
               (SELECT COUNT(*) FROM journal_entries j WHERE j.idempotency_key = 'daily-bonus:' || d.user_id || ':' || ${yesterday}) AS entries
        FROM user_activity_days d WHERE d.day = ${yesterday}) per_user`;
    expect(perUser[0]).toEqual({ users: ACTIVE_USERS, min_claims: 1, max_claims: 1, min_entries: 1, max_entries: 1 });
    // Everyone else: 50 + 2. Claimers were paid by their claim only; the streaker's 7th day doubles, and earns the streak achievement.
    expect(await harness.prisma.creditAccount.count({ where: { userId: { startsWith: 'active-', notIn: [...claimers, streaker] }, balanceCredits: { not: 52 } } })).toBe(0);
    for (const userId of claimers) expect((await harness.prisma.creditAccount.findUniqueOrThrow({ where: { userId } })).balanceCredits).toBe(52);
    expect((await harness.prisma.creditAccount.findUniqueOrThrow({ where: { userId: streaker } })).balanceCredits).toBe(50 + 6 * 2 + 4 + 10);
    expect(await awardsOf(streaker, 'seven-day-streak')).toEqual({ rows: 1, lots: 1 });

    // Triggered again (a repeated run): nobody is paid twice.
    const [again] = await triggerScheduleRuns(harness.temporal, `${prefix}-daily-bonus`);
    expect(await harness.temporal.workflow.getHandle(again!).result()).toMatchObject({ day: yesterday, grantedUsers: 0, grantedCredits: 0 });
    // Today's claim call still pays at once, and the nightly run for today will find it.
    const claimed = await request(harness.app).post('/users/me/daily-bonus').set('Authorization', await asUser('active-00010'));
    expect(claimed.status).toBe(201);
    expect(claimed.body).toMatchObject({ day: today, streakDays: 2 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('records one activity row per user per day, however many requests', async () => {
    const userId = `busy-${prefix}`;
    for (let i = 0; i < 5; i += 1) expect((await request(harness.app).get('/users/me/credits').set('Authorization', await asUser(userId))).status).toBe(200);
    expect(await harness.prisma.userActivityDay.count({ where: { userId } })).toBe(1);
  });
});

describe('low-credit events', () => {
  it('sends low_credit_warning under 10 and low_credit under 5, once per crossing each, on the balance', async () => {
    const userId = `lowish-${prefix}`;
    await apiAs(harness, userId).credits();
    const kinds = async () =>
      (await harness.prisma.notification.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((row) => row.kind);
    const adjust = (credits: number) =>
      inLedgerTransaction(harness.prisma, (tx) => adjustCredits(tx, { userId, credits, reason: 'test', expiresAt: null, adminId: 'ops', idempotencyKey: randomUUID(), at: new Date() }));
    await adjust(-43); // 7
    // Holding 3 of 7 leaves 4 available; the balance is what both events watch, so no low_credit.
    const hold = await inLedgerTransaction(harness.prisma, (tx) =>
      reserveCredits(tx, { userId, credits: 3, minimumAvailableCredits: 0, idempotencyKey: `${userId}:reserve`, workflowId: `${userId}-wf`, generationId: `${userId}-gen`, holdTimeoutMs: 60_000, actor: 'test', at: new Date() }),
    );
    expect(await kinds()).toEqual(['low_credit_warning']);
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 7, available: 4, lowCredit: true });
    if (hold.kind !== 'reserved') throw new Error('expected a hold');
    await inLedgerTransaction(harness.prisma, (tx) =>
      closeReservation(tx, { reservationId: hold.reservationId, closeAs: 'captured', captureCredits: 3, reason: 'test', relatedId: `${userId}-gen`, actor: 'test', idempotencyKey: `${userId}:capture`, at: new Date() }),
    );
    await adjust(-1); // 3: still below both
    expect(await kinds()).toEqual(['low_credit_warning', 'low_credit']);
    await adjust(4); // 7: above 5, below 10
    expect(await kinds()).toEqual(['low_credit_warning', 'low_credit', 'low_credit_resolved']);
    await adjust(10); // 17
    await adjust(1); // 18
    expect(await kinds()).toEqual(['low_credit_warning', 'low_credit', 'low_credit_resolved', 'low_credit_warning_resolved']);
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 18, lowCredit: false });
  });
});

describe('contract gaps', () => {
  it('lists the caller’s transfers and purchases newest first in cursor pages, and refuses bad queries', async () => {
    const giver = `giver-${prefix}`;
    const first = await request(harness.app).get('/credits/transfers?limit=2').set('Authorization', await asUser(giver));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.items[0]).toMatchObject({ direction: 'sent', fromUserId: giver, amount: 1 });
    expect(first.body.items[0].createdAt >= first.body.items[1].createdAt).toBe(true);
    const second = await request(harness.app).get(`/credits/transfers?limit=2&cursor=${first.body.nextCursor}`).set('Authorization', await asUser(giver));
    expect(second.body.items.map((item: { id: string }) => item.id)).not.toContain(first.body.items[0].id);
    const received = await request(harness.app).get('/credits/transfers').set('Authorization', await asUser(`receiver-${prefix}`));
    expect(received.body.items[0]).toMatchObject({ direction: 'received' });
    const purchases = await request(harness.app).get('/credits/purchases').set('Authorization', await asUser(giver));
    expect(purchases.body).toEqual({ items: [], nextCursor: null });
    for (const path of ['/credits/transfers', '/credits/purchases']) {
      for (const query of ['?cursor=bogus', '?limit=0', '?limit=101', '?sort=asc']) {
        const refused = await request(harness.app).get(`${path}${query}`).set('Authorization', await asUser(giver));
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe('VALIDATION_FAILED');
      }
      expect((await request(harness.app).get(path)).status).toBe(401);
    }
  });

  it('shows each grant’s source and expiry in the history', async () => {
    const history = await apiAs(harness, `giver-${prefix}`).history();
    const welcome = history.body.items.find((item: { reason: string }) => item.reason === 'Welcome credits');
    expect(welcome).toMatchObject({ type: 'grant', source: 'signup' });
    expect(Date.parse(welcome.expiresAt) - Date.parse(welcome.createdAt)).toBe(90 * DAY_MS);
    const sent = history.body.items.find((item: { type: string }) => item.type === 'transfer_out');
    expect(sent).toMatchObject({ source: null, expiresAt: null });
    const received = (await apiAs(harness, `receiver-${prefix}`).history('?type=transfer_in')).body.items[0];
    expect(received).toMatchObject({ source: 'transfer' });
    expect(received.expiresAt).not.toBeNull();
  });

  it('sets one account’s balance cap, audited, and refuses what the cap no longer allows', async () => {
    const userId = `capped-${prefix}`;
    await apiAs(harness, userId).credits();
    const admin = await asAdmin();
    for (const body of [{ maxBalance: -1, reason: 'bad' }, { maxBalance: 10 }, { maxBalance: 1.5, reason: 'fractional' }, { maxBalance: 60, reason: 'ok', extra: 1 }]) {
      const refused = await request(harness.app).put(`/admin/users/${userId}/limits`).set('Authorization', admin).send(body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await request(harness.app).put(`/admin/users/${userId}/limits`).set('Authorization', await asUser(userId)).send({ maxBalance: 60, reason: 'self-service' })).status).toBe(403);
    expect((await request(harness.app).put('/admin/users/nobody-here/limits').set('Authorization', admin).send({ maxBalance: 60, reason: 'unknown user' })).status).toBe(404);
    const set = await request(harness.app).put(`/admin/users/${userId}/limits`).set('Authorization', admin).send({ maxBalance: 55, reason: 'support ticket 12' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ userId, maxBalance: 55, effectiveMaxBalance: 55, previousMaxBalance: null, balance: 50 });
    const audit = await harness.prisma.operatorAuditEntry.findFirstOrThrow({ where: { targetType: 'account', targetId: userId } });
    expect(audit).toMatchObject({ actor: 'admin:promo-admin', action: 'set_balance_cap', reason: 'support ticket 12', outcome: 'applied' });
    const tooMuch = await request(harness.app).post('/credits/transfers').set('Authorization', await asUser(`giver-${prefix}`)).set('Idempotency-Key', 'over-cap').send({ toUserId: userId, amount: 6 });
    expect(tooMuch.status).toBe(409);
    const cleared = await request(harness.app).put(`/admin/users/${userId}/limits`).set('Authorization', admin).send({ maxBalance: null, reason: 'ticket closed' });
    expect(cleared.body).toMatchObject({ maxBalance: null, effectiveMaxBalance: harness.config.MAX_BALANCE, previousMaxBalance: 55 });
  });
});
