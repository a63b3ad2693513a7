import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Promo codes with the fake provider on the real stack: created by an admin, applied at
 * POST /credits/purchases, counted under the code's row lock, given back by a purchase that fails.
 */
const SECRET = 'promo-codes-test-webhook-secret-0123456789';
const HOUR_MS = 60 * 60 * 1000;
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;
let admin: string;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET });
  ({ harness, provider } = payments);
  admin = `Bearer ${await harness.tokenFor('promo-admin', 'admin')}`;
});

afterAll(async () => {
  await payments?.close();
});

let users = 0;
async function newUser(): Promise<string> {
  const auth = `Bearer ${await harness.tokenFor(`promo-buyer-${process.pid}-${(users += 1)}`)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return auth;
}

function createCode(body: Record<string, unknown>) {
  return request(harness.app).post('/admin/promo-codes').set('Authorization', admin).send({ validUntil: new Date(Date.now() + HOUR_MS).toISOString(), ...body });
}

function buy(auth: string, packageId: string, promoCode?: string) {
  return request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId, ...(promoCode ? { promoCode } : {}) });
}

function uniqueCode(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();
}

it('takes a percent off the price charged, and shows the code and the discount on the purchase', async () => {
  const code = uniqueCode('tenoff');
  await createCode({ code: code.toLowerCase(), kind: 'percent', amount: 10 }).expect(201);
  const auth = await newUser();
  const created = await buy(auth, 'standard', code.toLowerCase()).expect(201);
  expect(created.body).toMatchObject({ priceCents: 1800, discountCents: 199, promoCode: code, credits: 500 });
  expect(provider.intents.get(created.body.paymentIntentId)!.amountCents).toBe(1800);
});

it('takes a fixed amount off, never below the smallest charge', async () => {
  const code = uniqueCode('fixed');
  await createCode({ code, kind: 'fixed', amount: 10_000 }).expect(201);
  const created = await buy(await newUser(), 'starter', code).expect(201);
  expect(created.body).toMatchObject({ priceCents: 50, discountCents: 449 });
});

it('grants a code’s extra credits with the purchase, as its bonus', async () => {
  const code = uniqueCode('extra');
  await createCode({ code, kind: 'credits', amount: 40 }).expect(201);
  const auth = await newUser();
  const before = (await request(harness.app).get('/users/me/credits').set('Authorization', auth)).body.balance;
  const created = await buy(auth, 'starter', code).expect(201);
  expect(created.body).toMatchObject({ priceCents: 499, bonusCredits: 40 });
  await provider.complete(created.body.paymentIntentId);
  await waitFor(async () => (await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status, (status) => status === 'fulfilled', { what: 'the purchase' });
  expect((await request(harness.app).get('/users/me/credits').set('Authorization', auth)).body.balance).toBe(before + 140);
});

it('refuses an unknown, not yet valid, expired or already used code with its own error code', async () => {
  const auth = await newUser();
  expect((await buy(auth, 'starter', 'NO-SUCH-CODE').expect(404)).body.error.code).toBe('PROMO_CODE_NOT_FOUND');
  const later = uniqueCode('later');
  await createCode({ code: later, kind: 'percent', amount: 5, validFrom: new Date(Date.now() + HOUR_MS).toISOString(), validUntil: new Date(Date.now() + 2 * HOUR_MS).toISOString() }).expect(201);
  expect((await buy(auth, 'starter', later).expect(409)).body.error).toMatchObject({ code: 'PROMO_CODE_NOT_YET_VALID', promoCode: later });
  const past = uniqueCode('past');
  await harness.prisma.promoCode.create({ data: { id: randomUUID(), code: past, kind: 'percent', amount: 5, validFrom: new Date(Date.now() - 2 * HOUR_MS), validUntil: new Date(Date.now() - HOUR_MS), createdBy: 'test' } });
  expect((await buy(auth, 'starter', past).expect(409)).body.error.code).toBe('PROMO_CODE_EXPIRED');
  const once = uniqueCode('once');
  await createCode({ code: once, kind: 'percent', amount: 5, maxRedemptions: 100 }).expect(201);
  await buy(auth, 'starter', once).expect(201);
  expect((await buy(auth, 'starter', once).expect(409)).body.error.code).toBe('PROMO_CODE_ALREADY_USED');
  expect(await harness.prisma.purchase.count({ where: { promoCode: { in: [later, past] } } })).toBe(0);
});

it('lets exactly one of 20 concurrent buyers take the last redemption', async () => {
  const code = uniqueCode('last');
  await createCode({ code, kind: 'percent', amount: 20, maxRedemptions: 1 }).expect(201);
  const buyers = await Promise.all(Array.from({ length: 20 }, () => newUser()));
  const answers = await Promise.all(buyers.map((auth) => buy(auth, 'starter', code)));
  expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
  const refused = answers.filter((answer) => answer.status !== 201);
  expect(refused).toHaveLength(19);
  for (const answer of refused) expect(answer.body.error.code).toBe('PROMO_CODE_USED_UP');
  expect(await harness.prisma.promoCode.findUniqueOrThrow({ where: { code } })).toMatchObject({ redemptionCount: 1 });
  expect(await harness.prisma.promoRedemption.count({ where: { promoCode: { code } } })).toBe(1);
});

it('gives the redemption back when the purchase fails', async () => {
  const code = uniqueCode('retry');
  await createCode({ code, kind: 'percent', amount: 20, maxRedemptions: 1 }).expect(201);
  const auth = await newUser();
  const declined = await buy(auth, 'starter', code).expect(201);
  await provider.fail(declined.body.paymentIntentId);
  await waitFor(async () => (await harness.prisma.promoCode.findUniqueOrThrow({ where: { code } })).redemptionCount, (count) => count === 0, { what: 'the redemption to be given back' });
  // The same buyer may use it again: the first purchase never went through.
  await buy(auth, 'starter', code).expect(201);
});

it('refuses a malformed code and a code admins did not make', async () => {
  const auth = await newUser();
  expect((await buy(auth, 'starter', 'has spaces!').expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  expect((await request(harness.app).post('/admin/promo-codes').set('Authorization', auth).send({ code: 'MINE', kind: 'percent', amount: 100, validUntil: new Date(Date.now() + HOUR_MS).toISOString() })).status).toBe(403);
  expect((await createCode({ code: uniqueCode('big'), kind: 'percent', amount: 150 }).expect(400)).body.error.code).toBe('VALIDATION_FAILED');
  const dup = uniqueCode('dup');
  await createCode({ code: dup, kind: 'fixed', amount: 100 }).expect(201);
  expect((await createCode({ code: dup, kind: 'fixed', amount: 100 }).expect(409)).body.error.code).toBe('CONFLICT');
});
