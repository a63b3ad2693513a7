import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { signPaymentWebhook } from '../../integrations/payments/payment-webhook';
import { applySchedules, recurringJobs } from '../../orchestration/recurring-schedules';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';
import { NEVER_DUE_SCHEDULES, triggerScheduleRuns } from '../support/schedules';

/**
 * Subscriptions users buy, end to end: the API, a real worker on the real Temporal dev server,
 * real Postgres, and the fake provider (its subscription checkout page, its "advance period"
 * control, its signed webhooks to the API over HTTP). Signup credits are off, so every credit here
 * comes from a subscription lot and each lot's fate can be asserted exactly.
 */
const SECRET = 'subscriptions-test-webhook-secret-0123456789';
const WEB = 'http://web.test';
const prefix = `subs-${randomUUID().slice(0, 8)}`;
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

// The ledger's and the fake provider's clock: a renewal is made when its period has begun, as a
// provider bills it, so each test moves time to the end of the period before advancing it.
let nowMs = Date.now();
const clock = { now: () => new Date(nowMs) };

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, clock, env: { SIGNUP_CREDITS: '0', WEB_APP_URL: WEB, SCHEDULE_ID_PREFIX: prefix, ...NEVER_DUE_SCHEDULES } });
  ({ harness, provider } = payments);
  await applySchedules(harness.temporal, harness.config);
});

afterAll(async () => {
  if (harness) await Promise.allSettled(recurringJobs(harness.config).map((job) => harness.temporal.schedule.getHandle(job.scheduleId).delete()));
  // Closing verifies the whole ledger (every lot's remainder explained, balances = journal).
  await payments?.close();
});

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `subscriber-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

function subscribe(auth: string, planId: string) {
  return request(harness.app).post('/users/me/subscription').set('Authorization', auth).send({ planId, returnUrls: { success: `${WEB}/premium/credits/success`, cancel: `${WEB}/premium/credits/failure` } });
}

async function current(auth: string) {
  return (await request(harness.app).get('/users/me/subscription').set('Authorization', auth).expect(200)).body.subscription;
}

/** The buyer presses Pay on the fake's checkout page; the browser is sent back to the success URL. */
async function payOnCheckoutPage(checkoutUrl: string): Promise<string | null> {
  const response = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
  expect(response.status).toBe(303);
  return response.headers.get('location');
}

async function providerSubscriptionIdOf(subscriptionId: string): Promise<string> {
  const row = await harness.prisma.planSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  return row.providerSubscriptionId!;
}

async function advance(providerSubscriptionId: string, deliver = true): Promise<{ eventId?: string; delivery: { status: number | null } | null }> {
  const period = provider.subscriptions.bySubscription(providerSubscriptionId).currentPeriod!;
  nowMs = Math.max(nowMs, period.end.getTime() + 60_000);
  const response = await fetch(`${provider.url}/v1/subscriptions/${providerSubscriptionId}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ deliver }) });
  expect(response.status).toBe(200);
  return (await response.json()) as { eventId?: string; delivery: { status: number | null } | null };
}

async function spend(userId: string, credits: number): Promise<void> {
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
    .send({ amount: -credits, reason: 'spend in a subscription test' })
    .expect(201);
}

async function subscriptionLots(userId: string) {
  return harness.prisma.creditLot.findMany({ where: { account: { userId }, source: 'subscription' }, orderBy: { createdAt: 'asc' } });
}

async function periodsOf(subscriptionId: string) {
  return harness.prisma.subscriptionPeriod.findMany({ where: { subscriptionId }, orderBy: { periodStart: 'asc' } });
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

async function subscribeAndPay(auth: string, planId: string): Promise<{ id: string; providerSubscriptionId: string }> {
  const created = await subscribe(auth, planId).expect(201);
  await payOnCheckoutPage(created.body.subscription.checkoutUrl);
  return { id: created.body.subscription.id, providerSubscriptionId: await providerSubscriptionIdOf(created.body.subscription.id) };
}

it('lists the plans on sale with their rollover limits', async () => {
  const { auth } = await newUser();
  const response = await request(harness.app).get('/subscription-plans').set('Authorization', auth).expect(200);
  expect(response.body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: 'study-monthly', creditsPerPeriod: 300, priceCents: 999, currency: 'USD', periodDays: 30, rolloverMultiple: 1, maxRolloverCredits: 300 }),
      expect.objectContaining({ id: 'cram-monthly', creditsPerPeriod: 500, rolloverMultiple: 0, maxRolloverCredits: 0 }),
    ]),
  );
});

describe('a subscription across three periods, then cancelled at period end', () => {
  it('grants each paid period once, carries unused credits within the limit, expires what outlived its period, and grants nothing after the cancellation', async () => {
    const { userId, auth } = await newUser();
    const created = await subscribe(auth, 'study-monthly').expect(201);
    expect(created.body.subscription).toMatchObject({ status: 'incomplete', plan: { id: 'study-monthly' }, creditsGrantedThisPeriod: 0 });
    // A double click answers the same checkout.
    const again = await subscribe(auth, 'study-monthly').expect(200);
    expect(again.body.subscription.id).toBe(created.body.subscription.id);
    expect(again.body.subscription.checkoutUrl).toBe(created.body.subscription.checkoutUrl);

    const back = await payOnCheckoutPage(created.body.subscription.checkoutUrl);
    expect(back).toBe(`${WEB}/premium/credits/success?subscription=${created.body.subscription.id}`);
    const subscriptionId: string = created.body.subscription.id;
    const providerSubscriptionId = await providerSubscriptionIdOf(subscriptionId);

    // Period 1: 300 credits, expiring at the end of period 2.
    const first = await current(auth);
    expect(first).toMatchObject({ status: 'active', creditsGrantedThisPeriod: 300, cancelAtPeriodEnd: false });
    expect(first.nextRenewalAt).toBe(first.currentPeriodEnd);
    const periodMs = Date.parse(first.currentPeriodEnd) - Date.parse(first.currentPeriodStart);
    const [lot1] = await subscriptionLots(userId);
    expect(lot1).toMatchObject({ grantedCredits: 300, remainingCredits: 300, relatedId: subscriptionId });
    expect(lot1!.expiresAt!.getTime()).toBe(Date.parse(first.currentPeriodEnd) + periodMs);
    // One live subscription at a time.
    const second = await subscribe(auth, 'study-plus-monthly').expect(409);
    expect(second.body.error).toMatchObject({ code: 'SUBSCRIPTION_ALREADY_ACTIVE', subscriptionId });

    await spend(userId, 100);
    // Period 2: lot 1's 200 unused credits carry (the limit is one period's worth, 300).
    const renewal2 = await advance(providerSubscriptionId);
    expect(renewal2.delivery?.status).toBe(200);
    let periods = await periodsOf(subscriptionId);
    expect(periods.map((period) => [period.grantedCredits, period.carriedCredits, period.expiredCredits])).toEqual([
      [300, 0, 0],
      [300, 200, 0],
    ]);
    const lotsAfter2 = await subscriptionLots(userId);
    expect(lotsAfter2.map((lot) => lot.remainingCredits)).toEqual([200, 300]);

    // The same invoice.paid delivered again, and a second event reporting the same period: nothing twice.
    const redelivered = await provider.subscriptions.redeliver(renewal2.eventId!);
    expect(redelivered.status).toBe(200);
    const samePeriod = await postSubscriptionEvent('invoice.paid', subscriptionId, providerSubscriptionId, periods[1]!);
    expect(samePeriod).toMatchObject({ duplicate: false, outcome: 'period_already_granted' });
    expect(await balanceOf(auth)).toBe(500);

    await spend(userId, 100);
    // Period 3: lot 1 (100 left) reached the end of its second period and expires; lot 2 carries whole.
    // The clock is a minute into period 3, past lot 1's expiry.
    await advance(providerSubscriptionId);
    periods = await periodsOf(subscriptionId);
    expect(periods.map((period) => [period.grantedCredits, period.carriedCredits, period.expiredCredits])).toEqual([
      [300, 0, 0],
      [300, 200, 0],
      [300, 300, 0],
    ]);
    const lotsAfter3 = await subscriptionLots(userId);
    expect(lotsAfter3.map((lot) => lot.remainingCredits)).toEqual([0, 300, 300]);
    const lot1Expiry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `expire:${lot1!.id}` } });
    expect(lot1Expiry).toMatchObject({ type: 'expiration', amountCredits: -100 });
    expect(await balanceOf(auth)).toBe(600);
    expect((await current(auth)).creditsGrantedThisPeriod).toBe(300);

    // Cancel at period end: still active until then, no renewal shown, audited.
    const cancelled = await request(harness.app).delete('/users/me/subscription').set('Authorization', auth).expect(200);
    expect(cancelled.body.subscription).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, nextRenewalAt: null });
    await request(harness.app).delete('/users/me/subscription').set('Authorization', auth).expect(200);
    // The period ends: the provider ends the subscription and bills nothing; credits granted stay.
    const end = await advance(providerSubscriptionId);
    expect(end.delivery?.status).toBe(200);
    expect(await current(auth)).toMatchObject({ status: 'canceled', nextRenewalAt: null });
    expect(await periodsOf(subscriptionId)).toHaveLength(3);
    expect(await balanceOf(auth)).toBe(600);
    const audit = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'subscription', targetId: subscriptionId }, orderBy: { id: 'asc' } });
    expect(audit.map((entry) => [entry.actor, entry.action])).toEqual([
      [`user:${userId}`, 'subscription.subscribe'],
      [`user:${userId}`, 'subscription.cancel'],
      ['provider:fake', 'subscription.ended'],
    ]);
    // A new subscription may start once the old one has ended.
    await subscribe(auth, 'cram-monthly').expect(201);
  });

  it('expires unused credits above the rollover limit at renewal, journaled with the reason, from the lots that hold them', async () => {
    const { userId, auth } = await newUser();
    const { id, providerSubscriptionId } = await subscribeAndPay(auth, 'cram-monthly');
    await spend(userId, 200);
    await advance(providerSubscriptionId);
    const [lot1, lot2] = await subscriptionLots(userId);
    expect([lot1!.remainingCredits, lot2!.remainingCredits]).toEqual([0, 500]);
    const periods = await periodsOf(id);
    expect(periods[1]).toMatchObject({ grantedCredits: 500, carriedCredits: 0, expiredCredits: 300 });
    const rollover = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `subscription-rollover:${id}:${periods[1]!.periodStart.toISOString()}` }, include: { lotDebits: true } });
    expect(rollover).toMatchObject({ type: 'expiration', amountCredits: -300, relatedType: 'subscription', relatedId: id });
    expect(rollover.reason).toMatch(/rollover limit/);
    expect(rollover.lotDebits.map((debit) => [debit.lotId, debit.debitedCredits])).toEqual([[lot1!.id, 300]]);
    expect(await balanceOf(auth)).toBe(500);
  });
});

describe('the daily reconciliation', () => {
  it('grants a renewal whose webhook was lost, once, and applies a cancellation the provider made', async () => {
    const { userId, auth } = await newUser();
    const { id, providerSubscriptionId } = await subscribeAndPay(auth, 'study-monthly');
    await advance(providerSubscriptionId, false);
    expect(await periodsOf(id)).toHaveLength(1);

    const [firstRun] = await runReconciliation();
    expect(firstRun).toMatchObject({ grantedPeriods: 1, failures: 0 });
    const periods = await periodsOf(id);
    expect(periods.map((period) => period.recordedBy)).toEqual(['webhook', 'reconciliation']);
    expect(await balanceOf(auth)).toBe(600);
    const [secondRun] = await runReconciliation();
    expect(secondRun).toMatchObject({ grantedPeriods: 0 });
    expect(await subscriptionLots(userId)).toHaveLength(2);

    // Cancelled at the provider (a dashboard, say) and ended, with both webhooks lost.
    const cancel = await fetch(`${provider.url}/v1/subscriptions/${providerSubscriptionId}/cancel`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `test-cancel-${id}` }, body: '{}' });
    expect(cancel.status).toBe(200);
    await advance(providerSubscriptionId, false);
    await runReconciliation();
    expect(await current(auth)).toMatchObject({ status: 'canceled' });
    const audit = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'subscription', targetId: id, actor: 'system:subscription-reconciliation' } });
    expect(audit.map((entry) => entry.action)).toEqual(['subscription.ended']);
    expect(await periodsOf(id)).toHaveLength(2);
  });
});

describe('the fake provider’s checkout page', () => {
  it('sends a declined buyer back to the failure page with nothing granted, and takes another try', async () => {
    const { auth } = await newUser();
    const created = await subscribe(auth, 'study-plus-monthly').expect(201);
    const { id, checkoutUrl } = created.body.subscription;
    const declined = await fetch(`${checkoutUrl}/decline`, { method: 'POST', redirect: 'manual' });
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toBe(`${WEB}/premium/credits/failure?subscription=${id}`);
    expect(await current(auth)).toMatchObject({ status: 'incomplete', creditsGrantedThisPeriod: 0 });
    expect(await balanceOf(auth)).toBe(0);
    // Subscribe again: the same checkout, now paid.
    expect((await subscribe(auth, 'study-plus-monthly').expect(200)).body.subscription.checkoutUrl).toBe(checkoutUrl);
    expect(await payOnCheckoutPage(checkoutUrl)).toBe(`${WEB}/premium/credits/success?subscription=${id}`);
    expect(await current(auth)).toMatchObject({ status: 'active', creditsGrantedThisPeriod: 1000 });
    expect(await balanceOf(auth)).toBe(1000);
  });
});

describe('a replaced checkout', () => {
  it('becomes the subscription when it is paid after all, and a second paid plan grants nothing', async () => {
    const { auth } = await newUser();
    const first = (await subscribe(auth, 'study-monthly').expect(201)).body.subscription;
    const second = (await subscribe(auth, 'cram-monthly').expect(201)).body.subscription;
    expect(second.id).not.toBe(first.id);
    // The buyer pays the first checkout after all: it is theirs, and the newer unpaid one is dropped.
    await payOnCheckoutPage(first.checkoutUrl);
    expect(await current(auth)).toMatchObject({ id: first.id, status: 'active', creditsGrantedThisPeriod: 300 });
    expect((await harness.prisma.planSubscription.findUniqueOrThrow({ where: { id: second.id } })).status).toBe('abandoned');
    // Paying the dropped one too would be a second plan: nothing is granted, the event says why.
    await payOnCheckoutPage(second.checkoutUrl);
    const delivery = provider.deliveries[provider.deliveries.length - 1]!;
    const event = await harness.prisma.paymentWebhookEvent.findUniqueOrThrow({ where: { eventId: delivery.eventId } });
    expect(event.outcome).toBe('ignored_period');
    expect(await balanceOf(auth)).toBe(300);
    // Money taken for nothing: an operator sees it.
    expect(await needingAttention()).toContainEqual(expect.objectContaining({ kind: 'unmatched_webhook', eventId: delivery.eventId, detail: expect.stringContaining('ignored_period') }));
  });
});

describe('what is refused', () => {
  it('refuses cancelling without a subscription, an unknown plan, and a subscription checkout while an admin-set plan is active', async () => {
    const { userId, auth } = await newUser();
    expect((await request(harness.app).delete('/users/me/subscription').set('Authorization', auth).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await request(harness.app).post('/users/me/subscription').set('Authorization', auth).send({ planId: 'gold' }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    await request(harness.app)
      .put(`/admin/users/${userId}/subscription`)
      .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
      .send({ planCredits: 200, renewalDay: 1 })
      .expect(200);
    expect(await current(auth)).toMatchObject({ billing: 'admin', status: 'active', plan: { creditsPerPeriod: 200 } });
    expect((await subscribe(auth, 'study-monthly').expect(409)).body.error.code).toBe('SUBSCRIPTION_ALREADY_ACTIVE');
  });

  it('refuses an unsigned subscription event and ignores one for a subscription it does not know', async () => {
    const body = JSON.stringify({ id: 'evt_unsigned', type: 'invoice.paid', createdAt: new Date().toISOString(), data: {} });
    await request(harness.app).post('/webhooks/payments/subscriptions').set('Content-Type', 'application/json').send(body).expect(401);
    const outcome = await postSubscriptionEvent('customer.subscription.updated', randomUUID(), `sub_unknown_${randomUUID()}`, null);
    expect(outcome).toMatchObject({ duplicate: false, outcome: 'ignored_unknown_subscription' });
    expect(await needingAttention()).toContainEqual(expect.objectContaining({ kind: 'unmatched_webhook', detail: 'customer.subscription.updated: ignored_unknown_subscription' }));
  });
});

async function needingAttention(): Promise<Array<Record<string, unknown>>> {
  const admin = `Bearer ${await harness.tokenFor('ops-attention', 'admin')}`;
  return (await request(harness.app).get('/admin/purchases?status=needs_attention').set('Authorization', admin).expect(200)).body.items;
}

/** A signed fake-provider event built by hand (a second report of a period, an unknown subscription). */
async function postSubscriptionEvent(type: string, subscriptionId: string, providerSubscriptionId: string, period: { periodStart: Date; periodEnd: Date } | null) {
  const event = {
    id: `evt_test_${randomUUID().replace(/-/g, '')}`,
    type,
    createdAt: new Date().toISOString(),
    data: {
      subscriptionId,
      checkoutId: null,
      providerSubscriptionId,
      status: 'active',
      cancelAtPeriodEnd: false,
      currentPeriod: period && { start: period.periodStart.toISOString(), end: period.periodEnd.toISOString() },
      invoice: period && { id: `in_test_${randomUUID()}`, periodStart: period.periodStart.toISOString(), periodEnd: period.periodEnd.toISOString(), amountCents: 999, currency: 'USD' },
    },
  };
  const raw = JSON.stringify(event);
  const response = await request(harness.app).post('/webhooks/payments/subscriptions').set('Content-Type', 'application/json').set(signPaymentWebhook(SECRET, raw, new Date())).send(raw);
  expect(response.status).toBe(200);
  return response.body;
}

let lastTriggerSecond = 0;
/** Triggers the reconciliation Schedule and waits for the run (a run's id ends in its trigger second, so runs are a second apart). */
async function runReconciliation(): Promise<unknown[]> {
  await waitFor(async () => Math.floor(Date.now() / 1000), (second) => second > lastTriggerSecond, { what: 'the next second for a new scheduled run id', intervalMs: 50 });
  lastTriggerSecond = Math.floor(Date.now() / 1000);
  const workflowIds = await triggerScheduleRuns(harness.temporal, `${prefix}-subscription-reconcile`);
  return Promise.all(workflowIds.map((workflowId) => harness.temporal.workflow.getHandle(workflowId).result()));
}
