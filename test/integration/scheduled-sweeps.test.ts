import { randomUUID } from 'node:crypto';
import { lockAccountByUserId } from '../../domain/ledger/account-lock';
import { grantLot } from '../../domain/ledger/grant';
import { systemClock } from '../../platform/clock';
import { applyLedgerSettings } from '../../domain/ledger/ledger-settings';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import request from 'supertest';
import { applySchedules } from '../../orchestration/recurring-schedules';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { triggerScheduleRuns } from '../support/schedules';

let harness: SagaHarness;
const prefix = `sweeps-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  harness = await startSagaHarness({
    env: {
      SCHEDULE_ID_PREFIX: prefix,
      // Never due during the test: every run here is a trigger.
      EXPIRATION_SWEEP_CRON: '0 0 1 1 *',
      ORPHAN_SWEEP_CRON: '0 0 1 1 *',
      NOTIFICATION_RELAY_CRON: '0 0 1 1 *',
      SUBSCRIPTION_REFILL_CRON: '0 0 1 1 *',
      SUBSCRIPTION_RECONCILE_CRON: '0 0 1 1 *',
      LOW_CREDIT_SCAN_CRON: '0 0 1 1 *',
      DAILY_BONUS_CRON: '0 0 1 1 *',
      AUTO_RECHARGE_RELAY_CRON: '0 0 1 1 *',
      SWEEP_PAGE_SIZE: '2',
      RESERVATION_HOLD_TIMEOUT_MS: '1000',
    },
  });
});

afterAll(async () => {
  await Promise.allSettled([`${prefix}-expiration-sweep`, `${prefix}-orphan-sweep`, `${prefix}-notification-relay`, `${prefix}-subscription-refill`, `${prefix}-subscription-reconcile`, `${prefix}-low-credit-scan`, `${prefix}-daily-bonus`, `${prefix}-auto-recharge-relay`, `${prefix}-generation-start-relay`].map((id) => harness.temporal.schedule.getHandle(id).delete()));
  await harness?.close();
});

/** Triggers a schedule and waits for the results of the runs it started. */
async function triggerAndWait(scheduleId: string, times = 1): Promise<unknown[]> {
  const workflowIds = await triggerScheduleRuns(harness.temporal, scheduleId, times);
  return Promise.all(workflowIds.map((workflowId) => harness.temporal.workflow.getHandle(workflowId).result()));
}

async function adjust(userId: string, amount: number): Promise<void> {
  const response = await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
    .send({ amount, reason: 'low-credit scan test' });
  expect(response.status).toBe(201);
}

async function notificationKinds(userId: string): Promise<string[]> {
  // The notification threshold's events; the banner's low_credit_warning has its own tests (promotions.test.ts).
  const rows = await harness.prisma.notification.findMany({ where: { userId, kind: { in: ['low_credit', 'low_credit_resolved'] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map((row) => row.kind);
}

async function grantExpired(userId: string, credits: number): Promise<void> {
  await apiAs(harness, userId).credits();
  await inLedgerTransaction(harness.prisma, async (tx) => {
    const account = await lockAccountByUserId(tx, userId);
    await grantLot(tx, account, { source: 'promotion', credits, expiresAt: new Date(Date.now() - 60_000), reason: 'old promo', actor: 'test', idempotencyKey: `old-promo-${userId}`, at: new Date(Date.now() - 3_600_000) });
  });
}

describe('recurring jobs as Temporal Schedules', () => {
  it('creates each schedule once, however often the worker starts', async () => {
    expect((await applySchedules(harness.temporal, harness.config)).map((s) => s.created)).toEqual([true, true, true, true, true, true, true, true, true]);
    expect((await applySchedules(harness.temporal, harness.config)).map((s) => s.created)).toEqual([false, false, false, false, false, false, false, false, false]);
    const ids: string[] = [];
    for await (const schedule of harness.temporal.schedule.list()) if (schedule.scheduleId.startsWith(prefix)) ids.push(schedule.scheduleId);
    expect(ids.sort()).toEqual([`${prefix}-auto-recharge-relay`, `${prefix}-daily-bonus`, `${prefix}-expiration-sweep`, `${prefix}-generation-start-relay`, `${prefix}-low-credit-scan`, `${prefix}-notification-relay`, `${prefix}-orphan-sweep`, `${prefix}-subscription-reconcile`, `${prefix}-subscription-refill`]);
    const description = await harness.temporal.schedule.getHandle(`${prefix}-expiration-sweep`).describe();
    expect(description.policies.overlap).toBe('SKIP');
  });

  it('expires past-due lots exactly once across two triggered sweeps, paging through accounts', async () => {
    const users = [1, 2, 3].map((n) => `expiring-${prefix}-${n}`);
    for (const userId of users) await grantExpired(userId, 7);
    const results = (await triggerAndWait(`${prefix}-expiration-sweep`, 2)) as Array<{ expiredCredits: number }>;
    expect(results.reduce((sum, result) => sum + result.expiredCredits, 0)).toBe(21);
    for (const userId of users) {
      expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 50 });
      const expirations = await harness.prisma.journalEntry.findMany({ where: { account: { userId }, type: 'expiration' } });
      expect(expirations.map((entry) => entry.amountCredits)).toEqual([-7]);
    }
  });

  it('releases the hold of a terminated saga, and leaves a running saga\'s hold alone', async () => {
    const user = apiAs(harness, `orphan-${prefix}`);
    const orphaned = await user.createGeneration(flashcards('[slow:60000] Orphaned notes.', 5));
    const running = await user.createGeneration(flashcards('[slow:60000] Running notes.', 10));
    await user.waitForStatus(orphaned.body.id, ['generating']);
    await user.waitForStatus(running.body.id, ['generating']);
    await harness.temporal.workflow.getHandle(orphaned.body.workflowId).terminate('operator test');
    const holds = await harness.prisma.reservation.findMany({ where: { generationId: { in: [orphaned.body.id, running.body.id] } } });
    const lastExpiry = Math.max(...holds.map((hold) => hold.expiresAt.getTime()));
    await waitFor(async () => Date.now(), (now) => now > lastExpiry, { what: 'both holds to pass RESERVATION_HOLD_TIMEOUT_MS' });

    const [result] = (await triggerAndWait(`${prefix}-orphan-sweep`)) as Array<{ checked: number; released: number }>;
    expect(result).toEqual({ checked: 2, released: 1 });
    const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId: orphaned.body.id } });
    expect(reservation).toMatchObject({ status: 'expired', capturedCredits: 0 });
    const generation = await user.getGeneration(orphaned.body.id);
    expect(generation.body).toMatchObject({ status: 'failed', failureCode: 'ORPHANED', cost: 0 });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 2 });

    await user.cancelGeneration(running.body.id);
    await user.waitForStatus(running.body.id, ['cancelled']);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0 });
  });

  it('refills monthly plans renewing today once, however often the refill runs', async () => {
    const today = new Date().getUTCDate();
    const plans: Array<[string, number, number]> = [
      [`plan-a-${prefix}`, 30, today],
      [`plan-b-${prefix}`, 12, today],
      [`plan-c-${prefix}`, 99, today === 1 ? 2 : 1],
    ];
    for (const [userId, planCredits, renewalDay] of plans) {
      await apiAs(harness, userId).credits();
      const set = await request(harness.app)
        .put(`/admin/users/${userId}/subscription`)
        .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
        .send({ planCredits, renewalDay });
      expect(set.status).toBe(200);
    }
    const results = (await triggerAndWait(`${prefix}-subscription-refill`, 2)) as Array<{ grantedCredits: number }>;
    expect(results.map((result) => result.grantedCredits).sort((a, b) => a - b)).toEqual([0, 42]);
    expect((await apiAs(harness, plans[0]![0]).credits()).body.balance).toBe(80);
    expect((await apiAs(harness, plans[1]![0]).credits()).body.balance).toBe(62);
    expect((await apiAs(harness, plans[2]![0]).credits()).body.balance).toBe(50);
    const lot = await harness.prisma.creditLot.findFirstOrThrow({ where: { account: { userId: plans[0]![0] }, source: 'subscription' } });
    expect(lot.expiresAt!.getTime() - lot.createdAt.getTime()).toBe(365 * 24 * 3600 * 1000);
  });

  it('alerts in the daily low-credit scan what the per-change trigger could not see, once per crossing', async () => {
    // Opened below the threshold: an insert, which the trigger on balance updates never sees.
    const opened = `opened-low-${prefix}`;
    await openAccountIfMissing(harness.prisma, { userId: opened, signupCredits: 3, clock: systemClock });
    // Alerted at 4 under the threshold of 5; the threshold is then lowered to 3 in configuration.
    const recovered = `recovered-${prefix}`;
    await apiAs(harness, recovered).credits();
    await adjust(recovered, -46);
    expect(await notificationKinds(recovered)).toEqual(['low_credit']);
    await applyLedgerSettings(harness.prisma, { lowCreditNotifyBelowCredits: 3 });
    try {
      expect(await notificationKinds(opened)).toEqual([]);
      const [first, second] = (await triggerAndWait(`${prefix}-low-credit-scan`, 2)) as Array<{ accounts: number; alerts: number; resolutions: number }>;
      expect(first!.accounts).toBe(await harness.prisma.creditAccount.count());
      expect(await notificationKinds(opened)).toEqual([]); // 3 is not below 3
      expect(await notificationKinds(recovered)).toEqual(['low_credit', 'low_credit_resolved']);
      expect(second).toMatchObject({ alerts: 0, resolutions: 0 });
    } finally {
      await applyLedgerSettings(harness.prisma, { lowCreditNotifyBelowCredits: 5 });
    }
    const [afterRestore] = (await triggerAndWait(`${prefix}-low-credit-scan`)) as Array<{ alerts: number }>;
    expect(afterRestore!.alerts).toBeGreaterThanOrEqual(1);
    expect(await notificationKinds(opened)).toEqual(['low_credit']);
    expect(await notificationKinds(recovered)).toEqual(['low_credit', 'low_credit_resolved', 'low_credit']);
    const [repeat] = (await triggerAndWait(`${prefix}-low-credit-scan`)) as Array<{ alerts: number; resolutions: number }>;
    expect(repeat).toMatchObject({ alerts: 0, resolutions: 0 });
  });
});
