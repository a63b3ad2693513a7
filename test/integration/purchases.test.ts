import request from 'supertest';
import { createApp } from '../../api/app';
import type { Config } from '../../platform/config';
import { systemClock } from '../../platform/clock';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { signPaymentWebhook } from '../../integrations/payments/payment-webhook';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Purchases end to end: the API, a real worker on the real Temporal dev server, real Postgres, and
 * the fake payment provider on a local port delivering signed webhooks to the API over HTTP.
 * MAX_BALANCE is 1,000 here, so the pro package (1,500) never fits and the cap is easy to reach.
 */
const SECRET = 'purchases-test-webhook-secret-0123456789';
const DAY_MS = 24 * 60 * 60 * 1000;
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { MAX_BALANCE: '1000' } });
  ({ harness, provider } = payments);
});

afterAll(async () => {
  await payments?.close();
});

/** The same API over the same database and Temporal, with some settings changed. */
function appWith(settings: Partial<Config>) {
  return createApp({ config: { ...harness.config, ...settings }, prisma: harness.prisma, temporal: harness.temporal, clock: systemClock });
}

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `buyer-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

function buy(auth: string, packageId: string, key: string, app = harness.app) {
  return request(app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', key).send({ packageId });
}

function purchaseStatus(auth: string, id: string) {
  return waitFor(
    async () => (await request(harness.app).get(`/credits/purchases/${id}`).set('Authorization', auth)).body,
    (purchase) => !['pending', 'paid'].includes(purchase.status),
    { what: `purchase ${id} to finish`, timeoutMs: 30_000 },
  );
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

async function purchaseLots(userId: string) {
  return harness.prisma.creditLot.findMany({ where: { account: { userId }, source: 'purchase' } });
}

it('lists the credit packages with their bonus, price per credit and saving against the smallest', async () => {
  const { auth } = await newUser();
  const response = await request(harness.app).get('/credit-packages').set('Authorization', auth).expect(200);
  expect(response.body.items).toEqual([
    { id: 'starter', credits: 100, priceCents: 499, currency: 'USD', bonusCredits: 0, totalCredits: 100, pricePerCreditMillicents: 499, savingPercent: 0 },
    { id: 'standard', credits: 500, priceCents: 1999, currency: 'USD', bonusCredits: 0, totalCredits: 500, pricePerCreditMillicents: 400, savingPercent: 19 },
    { id: 'plus', credits: 500, priceCents: 2499, currency: 'USD', bonusCredits: 250, totalCredits: 750, pricePerCreditMillicents: 333, savingPercent: 33 },
    { id: 'pro', credits: 1500, priceCents: 4999, currency: 'USD', bonusCredits: 0, totalCredits: 1500, pricePerCreditMillicents: 333, savingPercent: 33 },
  ]);
});

it('grants a purchase lot expiring in 365 days once the provider reports the payment', async () => {
  const { userId, auth } = await newUser();
  const created = await buy(auth, 'starter', 'happy-1');
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'pending', packageId: 'starter', credits: 100, priceCents: 499, currency: 'USD', paymentIntentId: expect.stringMatching(/^pi_/) });
  expect(created.body.checkoutUrl).toBe(`${provider.url}/checkout/${created.body.paymentIntentId}`);
  expect(created.body.workflowId).toBe(`purchase-${created.body.id}`);
  const intent = provider.intents.get(created.body.paymentIntentId)!;
  expect(intent).toMatchObject({ amountCents: 499, currency: 'USD', purchaseId: created.body.id, status: 'requires_payment' });
  expect(provider.calls.filter((call) => call.path === '/v1/payment_intents' && call.idempotencyKey === `purchase-${created.body.id}:intent`)).toHaveLength(1);

  const delivery = await provider.complete(intent.id);
  expect(delivery.status).toBe(200);
  const finished = await purchaseStatus(auth, created.body.id);
  expect(finished).toMatchObject({ status: 'fulfilled', failureReason: null, paidAt: expect.any(String), completedAt: expect.any(String) });

  expect(await balanceOf(auth)).toBe(150);
  const lots = await purchaseLots(userId);
  expect(lots).toHaveLength(1);
  expect(lots[0]).toMatchObject({ grantedCredits: 100, relatedId: created.body.id });
  expect(lots[0]!.expiresAt!.getTime() - lots[0]!.createdAt.getTime()).toBe(365 * DAY_MS);
  const history = (await request(harness.app).get('/users/me/credit-history').set('Authorization', auth).expect(200)).body.items;
  expect(history[0]).toMatchObject({ type: 'grant', amount: 100, balanceAfter: 150, reason: 'Purchased the starter package', relatedType: 'lot', relatedId: lots[0]!.id });
  const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `purchase-${created.body.id}:grant` } });
  expect(entry.metadata).toMatchObject({ source: 'purchase', expiresAt: lots[0]!.expiresAt!.toISOString(), purchaseId: created.body.id, paymentIntentId: intent.id });
});

it('answers a replayed Idempotency-Key with the same purchase and refuses it with another body', async () => {
  const { auth } = await newUser();
  const first = await buy(auth, 'standard', 'replay-1').expect(201);
  const again = await buy(auth, 'standard', 'replay-1');
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);
  const other = await buy(auth, 'starter', 'replay-1');
  expect(other.status).toBe(422);
  expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  expect(await harness.prisma.purchase.count({ where: { idempotencyKey: 'replay-1' } })).toBe(1);
  // The provider was asked for one intent however often the request came.
  expect(provider.calls.filter((call) => call.idempotencyKey === `purchase-${first.body.id}:intent`)).toHaveLength(1);
  await request(harness.app).post('/credits/purchases').set('Authorization', auth).send({ packageId: 'starter' }).expect(400);
  await provider.fail(first.body.paymentIntentId);
  await purchaseStatus(auth, first.body.id);
});

it('grants once when the provider delivers the same event twice', async () => {
  const { userId, auth } = await newUser();
  const created = await buy(auth, 'starter', 'twice-1').expect(201);
  const delivery = await provider.complete(created.body.paymentIntentId);
  await purchaseStatus(auth, created.body.id);
  const again = await provider.redeliver(delivery.eventId);
  expect(again.status).toBe(200);
  const event = await harness.prisma.paymentWebhookEvent.findUniqueOrThrow({ where: { eventId: delivery.eventId } });
  expect(event).toMatchObject({ outcome: 'signalled', purchaseId: created.body.id, processedAt: expect.any(Date) });
  // Once more, straight to the API, to see its answer: recognised as a duplicate.
  const body = JSON.stringify(event.payload);
  const duplicate = await request(harness.app).post('/webhooks/payments').set('Content-Type', 'application/json').set(signPaymentWebhook(SECRET, body, new Date())).send(body);
  expect(duplicate.body).toEqual({ received: true, duplicate: true, outcome: 'signalled' });
  expect(await harness.prisma.paymentWebhookEvent.count({ where: { purchaseId: created.body.id } })).toBe(1);
  expect(await balanceOf(auth)).toBe(150);
  expect(await purchaseLots(userId)).toHaveLength(1);
});

describe('the webhook signature', () => {
  async function signedPost(body: string, headers: Record<string, string>) {
    return request(harness.app).post('/webhooks/payments').set('Content-Type', 'application/json').set(headers).send(body);
  }

  it('refuses a bad, missing or stale signature with 401 and changes nothing', async () => {
    const { auth } = await newUser();
    const created = await buy(auth, 'starter', 'forged-1').expect(201);
    const body = JSON.stringify({
      id: 'evt_forged',
      type: 'payment_intent.succeeded',
      createdAt: new Date().toISOString(),
      data: { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 499, currency: 'USD', failureReason: null },
    });
    const wrongSecret = await signedPost(body, signPaymentWebhook('not-the-secret-at-all-0123456789', body, new Date()));
    const missing = await signedPost(body, {});
    const stale = await signedPost(body, signPaymentWebhook(SECRET, body, new Date(Date.now() - 10 * 60 * 1000)));
    const tampered = await signedPost(body.replace('499', '1'), signPaymentWebhook(SECRET, body, new Date()));
    for (const response of [wrongSecret, missing, stale, tampered]) {
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(await harness.prisma.paymentWebhookEvent.count({ where: { eventId: 'evt_forged' } })).toBe(0);
    expect((await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status).toBe('pending');
    expect(await balanceOf(auth)).toBe(50);

    // A correctly signed but malformed event is a 400, and an event for no purchase of ours is recorded and ignored.
    const malformed = '{"id": "evt_x"';
    expect((await signedPost(malformed, signPaymentWebhook(SECRET, malformed, new Date()))).status).toBe(400);
    const unknown = body.replace('evt_forged', 'evt_unknown').replace(created.body.id, '00000000-0000-4000-8000-000000000000').replace(created.body.paymentIntentId, 'pi_unknown');
    const ignored = await signedPost(unknown, signPaymentWebhook(SECRET, unknown, new Date()));
    expect(ignored.status).toBe(200);
    expect(ignored.body).toEqual({ received: true, duplicate: false, outcome: 'ignored_unknown_purchase' });
    await provider.fail(created.body.paymentIntentId);
    await purchaseStatus(auth, created.body.id);
  });
});

it('ends failed and grants nothing when the payment fails', async () => {
  const { userId, auth } = await newUser();
  const created = await buy(auth, 'standard', 'declined-1').expect(201);
  expect((await provider.fail(created.body.paymentIntentId, 'card_declined')).status).toBe(200);
  const finished = await purchaseStatus(auth, created.body.id);
  expect(finished).toMatchObject({ status: 'failed', failureReason: 'Payment failed: card_declined', paidAt: null });
  expect(await balanceOf(auth)).toBe(50);
  expect(await purchaseLots(userId)).toHaveLength(0);
});

it('refuses up front with 409 when the credits would not fit under the cap, before anyone is charged', async () => {
  const { userId, auth } = await newUser();
  const callsBefore = provider.calls.length;
  const refused = await buy(auth, 'pro', 'too-much-1');
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'BALANCE_CAP_EXCEEDED', capCredits: 1000, balanceCredits: 50, requestedCredits: 1500, pendingPurchaseCredits: 0 });
  // Purchases awaiting payment count too: 50 + 500 pending + 500 > 1000.
  const pending = await buy(auth, 'standard', 'fits-1').expect(201);
  const second = await buy(auth, 'standard', 'fits-2');
  expect(second.status).toBe(409);
  expect(second.body.error.pendingPurchaseCredits).toBe(500);
  expect(await harness.prisma.purchase.count({ where: { userId } })).toBe(1);
  // The one purchase admitted reached the provider: its payment intent, and the buyer's customer
  // made with their first checkout (for auto-recharge's saved card).
  expect(provider.calls.slice(callsBefore).map((call) => call.path).sort()).toEqual(['/v1/customers', '/v1/payment_intents']);
  await provider.fail(pending.body.paymentIntentId);
  await purchaseStatus(auth, pending.body.id);
});

it('refunds through the provider when the balance grew past the cap before the payment arrived', async () => {
  const { userId, auth } = await newUser();
  const created = await buy(auth, 'standard', 'grew-1').expect(201);
  // An admin grant (not capped) lifts the balance to 600 meanwhile: 600 + 500 > 1000.
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
    .send({ amount: 550, reason: 'goodwill' })
    .expect(201);
  await provider.complete(created.body.paymentIntentId);
  const finished = await purchaseStatus(auth, created.body.id);
  expect(finished.status).toBe('refunded');
  expect(finished.failureReason).toBe('Refunded: 500 credits would take the balance of 600 above its cap of 1000');
  expect(provider.refunds.filter((refund) => refund.paymentIntentId === created.body.paymentIntentId)).toEqual([
    expect.objectContaining({ amountCents: 1999, status: 'succeeded' }),
  ]);
  expect(provider.calls.filter((call) => call.path === '/v1/refunds' && call.idempotencyKey === `purchase-${created.body.id}:refund`)).toHaveLength(1);
  const row = await harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } });
  expect(row.providerRefundId).toBe(provider.refunds.find((refund) => refund.paymentIntentId === created.body.paymentIntentId)!.id);
  expect(await balanceOf(auth)).toBe(600);
  expect(await purchaseLots(userId)).toHaveLength(0);
});

it('expires and cancels the intent when no payment arrives in time', async () => {
  const { userId, auth } = await newUser();
  const impatient = appWith({ PURCHASE_PAYMENT_TIMEOUT_MS: 1_500 });
  const created = await buy(auth, 'starter', 'slow-1', impatient).expect(201);
  const finished = await purchaseStatus(auth, created.body.id);
  expect(finished).toMatchObject({ status: 'expired', failureReason: 'No payment within 1.5 s' });
  expect(provider.intents.get(created.body.paymentIntentId)!.status).toBe('canceled');
  // The buyer can no longer pay the cancelled intent.
  await expect(provider.complete(created.body.paymentIntentId)).rejects.toThrow(/canceled/);
  expect(await purchaseLots(userId)).toHaveLength(0);
  expect(await balanceOf(auth)).toBe(50);
});

it('delivers the credits when the payment was made but its webhook never arrived before the timeout', async () => {
  const { userId, auth } = await newUser();
  // Long enough that the payment below (one local HTTP call) lands well before the saga's timer
  // fires on the slowest machine; 1.5 s let a loaded machine fire it first.
  const impatient = appWith({ PURCHASE_PAYMENT_TIMEOUT_MS: 8_000 });
  const created = await buy(auth, 'starter', 'lost-webhook-1', impatient).expect(201);
  // The customer pays, but the provider cannot reach us: the webhook is lost.
  const webhookUrl = provider.webhookUrl;
  provider.webhookUrl = 'http://127.0.0.1:9/webhooks/payments';
  try {
    expect((await provider.complete(created.body.paymentIntentId)).status).toBeNull();
  } finally {
    provider.webhookUrl = webhookUrl;
  }
  // At the timeout the saga cancels the intent; the provider says it was paid, so the saga delivers.
  const finished = await purchaseStatus(auth, created.body.id);
  expect(finished).toMatchObject({ status: 'fulfilled', failureReason: null });
  expect(provider.calls.filter((call) => call.idempotencyKey === `purchase-${created.body.id}:cancel-intent`)).toHaveLength(1);
  expect(provider.intents.get(created.body.paymentIntentId)!.status).toBe('succeeded');
  expect(await purchaseLots(userId)).toEqual([expect.objectContaining({ grantedCredits: 100 })]);
  expect(await balanceOf(auth)).toBe(150);
});

it('shows a purchase to its buyer only, and answers 503 without a payment provider', async () => {
  const buyer = await newUser();
  const other = await newUser();
  const created = await buy(buyer.auth, 'starter', 'mine-1').expect(201);
  expect((await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', other.auth)).status).toBe(404);
  expect((await request(harness.app).get('/credits/purchases/not-a-uuid').set('Authorization', buyer.auth)).status).toBe(400);
  await provider.fail(created.body.paymentIntentId);
  await purchaseStatus(buyer.auth, created.body.id);

  const unconfigured = appWith({ PAYMENT_PROVIDER_URL: undefined });
  const refused = await buy(buyer.auth, 'starter', 'nowhere-1', unconfigured);
  expect(refused.status).toBe(503);
  expect(refused.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('PAYMENT_PROVIDER_URL') });
});
