import request from 'supertest';
import { randomUUID } from 'node:crypto';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { AUTO_RECHARGE_WORKFLOW_TYPE, autoRechargeWorkflowId, type AutoRechargeResult } from '../../workflows/auto-recharge/contract';
import { apiAs, flashcards } from '../support/api-client';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import type { SagaHarness } from '../support/saga-harness';
import { autoRechargeDriver } from '../support/auto-recharge';

/**
 * Auto-recharge end to end: the API, a real worker on the real Temporal dev server, real Postgres,
 * and the fake payment provider over HTTP. Every user first buys the starter package through
 * checkout (which saves their card), so they open with 50 + 100 = 150 credits. The relay's
 * Schedule is never due here: each test runs the relay workflow itself, as often as it likes.
 */
const SECRET = 'auto-recharge-test-webhook-secret-0123456789';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;
let driver: ReturnType<typeof autoRechargeDriver>;
let newUser: ReturnType<typeof autoRechargeDriver>['newUser'];
let firstCheckout: ReturnType<typeof autoRechargeDriver>['firstCheckout'];
let putAutoRecharge: ReturnType<typeof autoRechargeDriver>['putAutoRecharge'];
let spend: ReturnType<typeof autoRechargeDriver>['spend'];
let setCap: ReturnType<typeof autoRechargeDriver>['setCap'];
let relay: ReturnType<typeof autoRechargeDriver>['relay'];
let requestsOf: ReturnType<typeof autoRechargeDriver>['requestsOf'];
let rechargeSettled: ReturnType<typeof autoRechargeDriver>['rechargeSettled'];

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { SIGNUP_CREDITS: '50', AUTO_RECHARGE_RELAY_CRON: '0 0 1 1 *' } });
  ({ harness, provider } = payments);
  driver = autoRechargeDriver(payments, 'recharger');
  ({ newUser, firstCheckout, putAutoRecharge, spend, setCap, relay, requestsOf, rechargeSettled } = driver);
});

afterAll(async () => {
  await payments?.close();
});

afterEach(async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

async function autoRecharge(auth: string) {
  return (await request(harness.app).get('/users/me/auto-recharge').set('Authorization', auth).expect(200)).body;
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

async function notificationsOf(userId: string, kinds: string[]) {
  return harness.prisma.notification.findMany({ where: { userId, kind: { in: kinds } }, orderBy: { createdAt: 'asc' } });
}

/** The off-session charge requests the provider saw for the user's recharges (each attempt counts). */
function offSessionCalls(userId: string) {
  return provider.calls.filter((call) => call.path === '/v1/off_session_payments' && call.idempotencyKey?.startsWith(`${autoRechargeWorkflowId(userId)}:`));
}

function intentsOf(purchaseIds: readonly string[]) {
  return [...provider.intents.values()].filter((intent) => purchaseIds.includes(intent.purchaseId));
}

describe('auto-recharge settings', () => {
  it('refuses to turn on without a saved card, and validates the body', async () => {
    const { auth } = await newUser();
    const refused = await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20, packageId: 'starter' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NO_SAVED_PAYMENT_METHOD');
    expect((await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20 })).status).toBe(400);
    expect((await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20, packageId: 'starter', targetBalanceCredits: 50 })).status).toBe(400);
    expect((await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20, targetBalanceCredits: 10 })).status).toBe(400);
    expect((await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20, packageId: 'huge' })).status).toBe(400);
    expect(await autoRecharge(auth)).toMatchObject({ enabled: false, savedPaymentMethod: false, lastOutcome: null });

    await firstCheckout(auth);
    expect((await autoRecharge(auth)).savedPaymentMethod).toBe(true);
    const saved = await putAutoRecharge(auth, { enabled: true, thresholdCredits: 20, targetBalanceCredits: 300 }).expect(200);
    expect(saved.body).toMatchObject({ enabled: true, thresholdCredits: 20, packageId: null, targetBalanceCredits: 300, savedPaymentMethod: true, disabledReason: null });
  });
});

describe('the crossing starts the saga', () => {
  it('starts exactly one recharge for a storm of 50 generations crossing the threshold, and grants it once', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    const user = apiAs(harness, userId);

    // 50 generations of 1 credit at once, with relays running all the while: the balance crosses
    // 120 once (150 -> 100), the recharge's 100 credits land somewhere in between.
    let storming = true;
    const relays = (async () => {
      let runs = 0;
      while (storming || runs < 2) {
        await Promise.all([relay(), relay()]);
        runs += 1;
      }
    })();
    const accepted = await Promise.all(Array.from({ length: 50 }, (_, index) => user.createGeneration(flashcards(`Storm fact ${index} about cell membranes.`, 5))));
    expect(accepted.map((response) => response.status)).toEqual(Array(50).fill(202));
    await Promise.all(accepted.map((response) => user.waitForStatus(response.body.id, ['succeeded'])));
    storming = false;
    await relays;
    const [onlyRequest, ...others] = await rechargeSettled(userId);
    expect(others).toEqual([]);
    expect(onlyRequest).toMatchObject({ status: 'done', outcome: 'succeeded', thresholdCredits: 120 });

    const recharges = await harness.prisma.purchase.findMany({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } });
    expect(recharges).toEqual([expect.objectContaining({ status: 'fulfilled', packageId: 'starter', credits: 100, workflowId: autoRechargeWorkflowId(userId) })]);
    expect(intentsOf(recharges.map((purchase) => purchase.id))).toEqual([expect.objectContaining({ status: 'succeeded', amountCents: 499 })]);
    expect(new Set(offSessionCalls(userId).map((call) => call.idempotencyKey)).size).toBe(1);
    const lots = await harness.prisma.creditLot.findMany({ where: { account: { userId }, source: 'purchase' } });
    expect(lots.map((lot) => lot.grantedCredits)).toEqual([100, 100]);
    expect(await balanceOf(auth)).toBe(150 - 50 + 100);
    const run = await harness.temporal.workflow.getHandle(autoRechargeWorkflowId(userId)).describe();
    expect(run.status.name).toBe('COMPLETED');
    expect(onlyRequest!.workflowRunId).toBe(run.runId);
    expect((await notificationsOf(userId, ['auto_recharge_succeeded'])).map((row) => row.payload)).toEqual([expect.objectContaining({ outcome: 'succeeded', purchaseId: recharges[0]!.id })]);
    expect(await autoRecharge(auth)).toMatchObject({ enabled: true, lastOutcome: { code: 'succeeded', purchaseId: recharges[0]!.id } });
  });

  it('acts once on a crossing however often its saga is started again', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, targetBalanceCredits: 400 }).expect(200);
    await spend(userId, 40);
    const [done] = await rechargeSettled(userId);
    // From 110 the smallest package reaching 400 is standard (500).
    expect(done).toMatchObject({ outcome: 'succeeded' });
    const before = provider.calls.length;

    const replayed: AutoRechargeResult = await harness.temporal.workflow.execute(AUTO_RECHARGE_WORKFLOW_TYPE, {
      taskQueue: harness.config.TEMPORAL_TASK_QUEUE,
      workflowId: autoRechargeWorkflowId(userId),
      args: [{ userId, requestId: done!.id }],
    });
    expect(replayed).toMatchObject({ outcome: 'duplicate', purchaseId: null });
    expect(await relay()).toEqual({ started: 0, busy: 0 });
    expect(provider.calls.length).toBe(before);
    const recharges = await harness.prisma.purchase.findMany({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } });
    expect(recharges.map((purchase) => [purchase.packageId, purchase.status])).toEqual([['standard', 'fulfilled']]);
    expect(await balanceOf(auth)).toBe(110 + 500);
  });

  it('takes over a crossing whose saga ended without finishing it, and buys once', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    await spend(userId, 40);
    // As if a run had claimed the request an hour ago and then been terminated, its history gone.
    const [request] = await requestsOf(userId);
    await harness.prisma.autoRechargeRequest.update({ where: { id: request!.id }, data: { status: 'claimed', workflowRunId: randomUUID(), claimedAt: new Date(Date.now() - 60 * 60_000) } });
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ id: request!.id, outcome: 'succeeded' });
    const run = await harness.temporal.workflow.getHandle(autoRechargeWorkflowId(userId)).describe();
    expect(done!.workflowRunId).toBe(run.runId);
    expect(await harness.prisma.purchase.count({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' }, status: 'fulfilled' } })).toBe(1);
    expect(await balanceOf(auth)).toBe(210);
  });
});

describe('declines and the balance cap', () => {
  it('turns auto-recharge off with the reason when the card is declined, tells the user, and never retries', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    provider.declineOffSessionCharges(userId, 'insufficient_funds');
    await spend(userId, 40);
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ outcome: 'declined' });

    const settings = await autoRecharge(auth);
    expect(settings).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('insufficient_funds'), lastOutcome: { code: 'declined' } });
    const [failure] = await notificationsOf(userId, ['auto_recharge_failed']);
    expect(failure!.payload).toMatchObject({ outcome: 'declined', autoRechargeTurnedOff: true, message: expect.stringContaining('insufficient_funds') });
    const recharge = await harness.prisma.purchase.findFirstOrThrow({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } });
    expect(recharge).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('declined') });
    // One attempt: a decline is an answer, not an outage.
    expect(offSessionCalls(userId)).toHaveLength(1);
    expect(intentsOf([recharge.id])).toEqual([]);
    const audit = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'account', targetId: userId, action: 'auto_recharge_turned_off' } });
    expect(audit).toEqual([expect.objectContaining({ actor: 'system:auto-recharge', outcome: 'declined' })]);
    expect(await balanceOf(auth)).toBe(110);

    // Off now: spending further makes no request, however low the balance goes.
    await spend(userId, 100);
    await relay();
    expect(await requestsOf(userId)).toHaveLength(1);
  });

  it('reports a charge the provider refused for another reason as a failure, and stays on', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    // The provider no longer knows the customer: 404, refused for good, but not a decline.
    provider.customers.delete(provider.customerOfUser(userId)!.id);
    await spend(userId, 40);
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ outcome: 'provider_unavailable' });
    expect(await autoRecharge(auth)).toMatchObject({ enabled: true, disabledReason: null, lastOutcome: { code: 'provider_unavailable', message: expect.stringContaining('PAYMENT_PROVIDER_REJECTED') } });
    expect((await notificationsOf(userId, ['auto_recharge_failed'])).map((row) => row.payload)).toEqual([expect.objectContaining({ outcome: 'provider_unavailable', autoRechargeTurnedOff: false })]);
    expect(await harness.prisma.purchase.findFirstOrThrow({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } })).toMatchObject({ status: 'failed' });
    expect(offSessionCalls(userId)).toHaveLength(1);
    expect(await balanceOf(auth)).toBe(110);
  });

  it('buys the largest package that fits under the cap instead, and says so', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await setCap(userId, 260);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'standard' }).expect(200);
    await spend(userId, 40);
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ outcome: 'capped' });
    // 110 + 500 passes the cap of 260; starter's 100 fits in the 150 of room.
    const recharge = await harness.prisma.purchase.findFirstOrThrow({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } });
    expect(recharge).toMatchObject({ packageId: 'starter', status: 'fulfilled' });
    const [notice] = await notificationsOf(userId, ['auto_recharge_succeeded']);
    expect(notice!.payload).toMatchObject({ outcome: 'capped', message: expect.stringContaining('instead of the standard package') });
    expect(await balanceOf(auth)).toBe(210);
  });

  it('buys nothing when no package fits under the cap, says so, and stays on', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await setCap(userId, 150);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    await spend(userId, 40);
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ outcome: 'cap_full' });
    const [notice] = await notificationsOf(userId, ['auto_recharge_skipped']);
    expect(notice!.payload).toMatchObject({ outcome: 'cap_full', message: expect.stringContaining('no package fits') });
    expect(await harness.prisma.purchase.count({ where: { userId, idempotencyKey: { startsWith: 'auto-recharge:' } } })).toBe(0);
    expect(await autoRecharge(auth)).toMatchObject({ enabled: true, lastOutcome: { code: 'cap_full' } });
    expect(await balanceOf(auth)).toBe(110);
  });

  it('recharges at once when turned on below the threshold', async () => {
    const { userId, auth } = await newUser();
    await firstCheckout(auth);
    await spend(userId, 100);
    await putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, packageId: 'starter' }).expect(200);
    const [done] = await rechargeSettled(userId);
    expect(done).toMatchObject({ outcome: 'succeeded', crossingKey: expect.stringMatching(/^enabled:/) });
    expect(await balanceOf(auth)).toBe(150);
  });
});
