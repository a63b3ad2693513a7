import { ScheduleOverlapPolicy } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { lockAccountByUserId } from '../../ledger/account-lock';
import { grantLot } from '../../ledger/grant';
import { inLedgerTransaction } from '../../ledger/transaction';
import request from 'supertest';
import { applySchedules } from '../../worker/schedules';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

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
      SWEEP_PAGE_SIZE: '2',
      RESERVATION_HOLD_TIMEOUT_MS: '1000',
    },
  });
});

afterAll(async () => {
  await Promise.allSettled([`${prefix}-expiration-sweep`, `${prefix}-orphan-sweep`, `${prefix}-notification-relay`, `${prefix}-subscription-refill`].map((id) => harness.temporal.schedule.getHandle(id).delete()));
  await harness?.close();
});

/** Triggers a schedule and waits for the workflow runs it started (beyond those already seen). */
async function triggerAndWait(scheduleId: string, times = 1): Promise<unknown[]> {
  const handle = harness.temporal.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  for (let i = 0; i < times; i += 1) {
    // A scheduled run's workflow id ends in the trigger time to the second; triggers in the same
    // second would collide, so repeated triggers are spaced by a second.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  }
  const description = await waitFor(() => handle.describe(), (d) => d.info.recentActions.length >= before + times, { what: `${scheduleId} to start ${times} run(s)` });
  const started = description.info.recentActions.slice(before);
  return Promise.all(started.map((action) => harness.temporal.workflow.getHandle(action.action.workflow.workflowId).result()));
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
    expect((await applySchedules(harness.temporal, harness.config)).map((s) => s.created)).toEqual([true, true, true, true]);
    expect((await applySchedules(harness.temporal, harness.config)).map((s) => s.created)).toEqual([false, false, false, false]);
    const ids: string[] = [];
    for await (const schedule of harness.temporal.schedule.list()) if (schedule.scheduleId.startsWith(prefix)) ids.push(schedule.scheduleId);
    expect(ids.sort()).toEqual([`${prefix}-expiration-sweep`, `${prefix}-notification-relay`, `${prefix}-orphan-sweep`, `${prefix}-subscription-refill`]);
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
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // both holds pass RESERVATION_HOLD_TIMEOUT_MS

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
});
