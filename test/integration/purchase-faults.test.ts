import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { FakePaymentProvider, FakeProviderEndpoint, FakeProviderFault } from '../../integrations/payments/fake-payment-provider';
import { systemClock } from '../../platform/clock';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Every provider call of the purchase saga (create the intent, cancel it, refund) through a
 * provider that times out, answers 5xx, or does the work and loses its answer: the activity retries
 * with the same Idempotency-Key, and the provider's own record of what it did (its intents and
 * refunds) shows the work happened exactly once. The real stack: API, worker on the Temporal dev
 * server, Postgres, the fake provider over HTTP. A provider request times out after 1 s here, and a
 * compensation is tried 4 times.
 */
const SECRET = 'purchase-faults-test-webhook-secret-0123456789';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { MAX_BALANCE: '1000', PAYMENT_PROVIDER_TIMEOUT_MS: '1000', PURCHASE_COMPENSATION_MAX_ATTEMPTS: '4' } });
  ({ harness, provider } = payments);
});

afterEach(() => provider.clearFaults());

afterAll(async () => {
  await payments?.close();
});

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `faulty-buyer-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

function faults(endpoint: FakeProviderEndpoint, sequence: FakeProviderFault[]): void {
  for (const fault of sequence) provider.injectFault(endpoint, fault);
}

function purchaseOf(auth: string, id: string, done: (purchase: { status: string; paymentIntentId: string | null }) => boolean) {
  return waitFor(async () => (await request(harness.app).get(`/credits/purchases/${id}`).set('Authorization', auth)).body, done, { what: `purchase ${id}`, timeoutMs: 60_000 });
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

it('creates exactly one payment intent through a timeout, a 503 and an answer lost after the work', async () => {
  const { userId, auth } = await newUser();
  faults('create_intent', ['timeout', 'error', 'drop_after_effect']);
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'starter' });
  expect([200, 201]).toContain(created.status);
  // The checkout link may come after the answer (the API waits for it only so long).
  const purchase = await purchaseOf(auth, created.body.id, (row) => row.paymentIntentId !== null);
  const key = `purchase-${created.body.id}:intent`;
  expect(provider.faultsServed.filter((served) => served.idempotencyKey === key).map((served) => served.fault)).toEqual(['timeout', 'error', 'drop_after_effect']);
  // The provider's own record: one intent for this purchase, the one the purchase points at.
  const intents = [...provider.intents.values()].filter((intent) => intent.purchaseId === created.body.id);
  expect(intents.map((intent) => intent.id)).toEqual([purchase.paymentIntentId]);

  await provider.complete(purchase.paymentIntentId!);
  await purchaseOf(auth, created.body.id, (row) => row.status === 'fulfilled');
  expect(await balanceOf(auth)).toBe(150);
  expect(await harness.prisma.creditLot.count({ where: { account: { userId }, relatedId: created.body.id } })).toBe(1);
});

it('cancels the intent of an unpaid purchase through faults, and the purchase expires', async () => {
  const { userId, auth } = await newUser();
  const impatient = createApp({ config: { ...harness.config, PURCHASE_PAYMENT_TIMEOUT_MS: 1_000 }, prisma: harness.prisma, temporal: harness.temporal, clock: systemClock });
  faults('cancel_intent', ['error_after_effect', 'timeout', 'drop_after_effect']);
  const created = await request(impatient).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'starter' }).expect(201);
  const finished = await purchaseOf(auth, created.body.id, (row) => row.status !== 'pending');
  expect(finished).toMatchObject({ status: 'expired', failureReason: 'No payment within 1 s' });
  const key = `purchase-${created.body.id}:cancel-intent`;
  expect(provider.faultsServed.filter((served) => served.idempotencyKey === key).map((served) => served.fault)).toEqual(['error_after_effect', 'timeout', 'drop_after_effect']);
  expect(provider.intents.get(created.body.paymentIntentId)!.status).toBe('canceled');
  // Cancelled for good: the buyer can no longer pay it, and nothing was granted.
  await expect(provider.complete(created.body.paymentIntentId)).rejects.toThrow(/canceled/);
  expect(await harness.prisma.creditLot.count({ where: { account: { userId }, relatedId: created.body.id } })).toBe(0);
  expect(await balanceOf(auth)).toBe(50);
});

it('refunds exactly once through an answer lost after the refund, a timeout and a 500 after the refund', async () => {
  const { userId, auth } = await newUser();
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'standard' }).expect(201);
  // An admin grant lifts the balance to 600 meanwhile: 600 + 500 > 1000, so the saga refunds.
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('faults-admin', 'admin')}`)
    .set('Idempotency-Key', randomUUID())
    .send({ amount: 550, reason: 'goodwill' })
    .expect(201);
  faults('refund', ['drop_after_effect', 'timeout', 'error_after_effect']);
  await provider.complete(created.body.paymentIntentId);
  const finished = await purchaseOf(auth, created.body.id, (row) => !['pending', 'paid'].includes(row.status));
  expect(finished.status).toBe('refunded');
  const key = `purchase-${created.body.id}:refund`;
  expect(provider.faultsServed.filter((served) => served.idempotencyKey === key).map((served) => served.fault)).toEqual(['drop_after_effect', 'timeout', 'error_after_effect']);
  // The provider's own record: one refund of the whole payment, the one the purchase points at.
  const refunds = provider.refunds.filter((refund) => refund.paymentIntentId === created.body.paymentIntentId);
  expect(refunds).toEqual([expect.objectContaining({ amountCents: 1999, status: 'succeeded' })]);
  expect((await harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } })).providerRefundId).toBe(refunds[0]!.id);
  expect(await harness.prisma.creditLot.count({ where: { account: { userId }, relatedId: created.body.id } })).toBe(0);
  expect(await balanceOf(auth)).toBe(600);
});

it('keeps the books consistent', async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});
