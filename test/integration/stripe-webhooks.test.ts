import { randomUUID } from 'node:crypto';
import request from 'supertest';
import Stripe from 'stripe';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Purchases with PAYMENT_PROVIDER=stripe, end to end: the API and a real worker on the Temporal
 * dev server and Postgres, the saga creating its Checkout Session at stripe-mock, and Stripe's
 * webhooks as Stripe sends them, signed with the SDK's own test-header helper. stripe-mock keeps no
 * state, so the events a test sends stand for what Stripe would report.
 */
const WEBHOOK_SECRET = 'whsec_credits_test_0123456789';
const WEB_APP = 'https://app.example';
const RETURN_URLS = { success: `${WEB_APP}/premium/credits/success`, cancel: `${WEB_APP}/premium/credits/failure` };
const stripe = new Stripe('sk_test_signing_only');
let harness: SagaHarness;

beforeAll(async () => {
  const stripeMockUrl = process.env.CREDITS_TEST_STRIPE_MOCK_URL;
  if (!stripeMockUrl) throw new Error('CREDITS_TEST_STRIPE_MOCK_URL is unset: run through jest so test/global-setup.ts starts stripe-mock');
  harness = await startSagaHarness({
    env: { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_credits', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: stripeMockUrl, WEB_APP_URL: WEB_APP },
  });
});

afterAll(async () => {
  await harness?.close();
});

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `stripe-buyer-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

/** A starter purchase (100 credits, 499 cents) whose saga has its Checkout Session at stripe-mock. */
async function buyStarter(auth: string) {
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'starter', returnUrls: RETURN_URLS });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ status: 'pending', paymentIntentId: expect.stringMatching(/^cs_/), checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) });
  return created.body as { id: string; paymentIntentId: string };
}

function purchaseOf(auth: string, id: string, done: (status: string) => boolean) {
  return waitFor(
    async () => (await request(harness.app).get(`/credits/purchases/${id}`).set('Authorization', auth)).body,
    (purchase) => done(purchase.status),
    { what: `purchase ${id}`, timeoutMs: 30_000 },
  );
}

function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${randomUUID().replace(/-/g, '')}`) {
  return { id, object: 'event', type, api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}

function session(purchase: { id: string; paymentIntentId: string }, fields: Record<string, unknown> = {}) {
  return { id: purchase.paymentIntentId, object: 'checkout.session', mode: 'payment', status: 'complete', payment_status: 'paid', client_reference_id: purchase.id, metadata: { purchaseId: purchase.id }, amount_total: 499, currency: 'usd', payment_intent: `pi_${randomUUID().replace(/-/g, '')}`, ...fields };
}

/** Delivers an event signed as Stripe signs it; `timestamp` and `secret` only to forge bad ones. */
function deliver(event: object, options: { timestamp?: number; secret?: string; signature?: string } = {}) {
  const payload = JSON.stringify(event);
  const signature = options.signature ?? stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET, timestamp: options.timestamp });
  return request(harness.app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
}

it('grants the credits when Checkout completes, once however often Stripe delivers the event', async () => {
  const { auth } = await newUser();
  const before = await balanceOf(auth);
  const purchase = await buyStarter(auth);
  const completed = stripeEvent('checkout.session.completed', session(purchase));
  expect((await deliver(completed).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'signalled' });
  await purchaseOf(auth, purchase.id, (status) => status === 'fulfilled');
  expect(await balanceOf(auth)).toBe(before + 100);
  expect((await deliver(completed).expect(200)).body).toMatchObject({ duplicate: true });
  expect(await balanceOf(auth)).toBe(before + 100);
});

it('takes back unspent credits after a refund made at Stripe, then the rest after a dispute, journaled', async () => {
  const { userId, auth } = await newUser();
  const before = await balanceOf(auth);
  const purchase = await buyStarter(auth);
  const paid = session(purchase);
  await deliver(stripeEvent('checkout.session.completed', paid)).expect(200);
  await purchaseOf(auth, purchase.id, (status) => status === 'fulfilled');

  // Half the money back: ceil(100 * 250 / 499) = 51 credits.
  const refunded = stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: paid.payment_intent, amount: 499, amount_refunded: 250, currency: 'usd', refunded: false });
  expect((await deliver(refunded).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'reversed', reversal: { requestedCredits: 51, takenCredits: 51 } });
  expect(await balanceOf(auth)).toBe(before + 49);
  expect((await deliver(refunded).expect(200)).body).toMatchObject({ duplicate: true, outcome: 'reversed' });
  expect(await balanceOf(auth)).toBe(before + 49);

  const disputed = stripeEvent('charge.dispute.created', { id: 'dp_1', object: 'dispute', charge: 'ch_1', payment_intent: paid.payment_intent, amount: 499, currency: 'usd', status: 'needs_response', reason: 'fraudulent' });
  expect((await deliver(disputed).expect(200)).body).toMatchObject({ outcome: 'reversed', reversal: { requestedCredits: 49, takenCredits: 49 } });
  expect(await balanceOf(auth)).toBe(before);

  const row = await harness.prisma.purchase.findUniqueOrThrow({ where: { id: purchase.id } });
  expect(row).toMatchObject({ reversedCredits: 100, providerChargeRef: paid.payment_intent, disputedAt: expect.any(Date) });
  const entries = await harness.prisma.journalEntry.findMany({ where: { account: { userId }, relatedId: purchase.id, type: 'adjustment' }, orderBy: { id: 'asc' } });
  expect(entries.map((entry) => [entry.amountCredits, entry.actor, entry.idempotencyKey])).toEqual([
    [-51, 'provider:stripe', `purchase-reversal:${refunded.id}`],
    [-49, 'provider:stripe', `purchase-reversal:${disputed.id}`],
  ]);
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

it('takes back only what is unspent, and says how much was already spent', async () => {
  const { userId, auth } = await newUser();
  const purchase = await buyStarter(auth);
  const paid = session(purchase);
  await deliver(stripeEvent('checkout.session.completed', paid)).expect(200);
  await purchaseOf(auth, purchase.id, (status) => status === 'fulfilled');
  // Spend all but 70 of the user's credits (an admin removal, in burn order): some of them are the purchase's.
  const lot = await harness.prisma.creditLot.findFirstOrThrow({ where: { account: { userId }, relatedId: purchase.id } });
  const admin = `Bearer ${await harness.tokenFor('stripe-admin', 'admin')}`;
  const before = await balanceOf(auth);
  const other = await harness.prisma.creditLot.aggregate({ where: { account: { userId }, id: { not: lot.id } }, _sum: { remainingCredits: true } });
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', admin)
    .set('Idempotency-Key', randomUUID())
    .send({ amount: -((other._sum.remainingCredits ?? 0) + 30), reason: 'spend for the test' })
    .expect(201);
  const left = await harness.prisma.creditLot.findUniqueOrThrow({ where: { id: lot.id } });
  const refunded = stripeEvent('charge.refunded', { id: 'ch_2', object: 'charge', payment_intent: paid.payment_intent, amount: 499, amount_refunded: 499, currency: 'usd', refunded: true });
  const answer = (await deliver(refunded).expect(200)).body;
  expect(answer.reversal).toEqual({ requestedCredits: 100, takenCredits: left.remainingCredits });
  expect(await balanceOf(auth)).toBe(before - (other._sum.remainingCredits ?? 0) - 30 - left.remainingCredits);
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

it('grants a bundle’s bonus as its own free lot, and a refund takes the bonus back first', async () => {
  const { userId, auth } = await newUser();
  const before = await balanceOf(auth);
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'plus', returnUrls: RETURN_URLS }).expect(201);
  expect(created.body).toMatchObject({ packageId: 'plus', credits: 500, bonusCredits: 250, priceCents: 2499 });
  const paid = session(created.body, { amount_total: 2499 });
  await deliver(stripeEvent('checkout.session.completed', paid)).expect(200);
  const done = await purchaseOf(auth, created.body.id, (status) => status === 'fulfilled');
  expect(await balanceOf(auth)).toBe(before + 750);
  const lots = await harness.prisma.creditLot.findMany({ where: { account: { userId }, relatedId: created.body.id }, orderBy: { grantedCredits: 'asc' } });
  const paidAt = new Date(done.completedAt).getTime();
  expect(lots.map((lot) => [lot.source, lot.grantedCredits])).toEqual([['promotion', 250], ['purchase', 500]]);
  expect(Math.round((lots[0]!.expiresAt!.getTime() - paidAt) / 86_400_000)).toBe(90);
  expect(Math.round((lots[1]!.expiresAt!.getTime() - paidAt) / 86_400_000)).toBe(365);

  // 1,000 of 2,499 cents back: ceil(750 * 1000 / 2499) = 301 credits, the bonus's 250 first.
  const refunded = stripeEvent('charge.refunded', { id: 'ch_3', object: 'charge', payment_intent: paid.payment_intent, amount: 2499, amount_refunded: 1000, currency: 'usd' });
  expect((await deliver(refunded).expect(200)).body.reversal).toEqual({ requestedCredits: 301, takenCredits: 301 });
  const after = await harness.prisma.creditLot.findMany({ where: { id: { in: lots.map((lot) => lot.id) } }, orderBy: { grantedCredits: 'asc' } });
  expect(after.map((lot) => lot.remainingCredits)).toEqual([0, 449]);
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

it('ends the purchase when the Checkout Session expires', async () => {
  const { auth } = await newUser();
  const purchase = await buyStarter(auth);
  await deliver(stripeEvent('checkout.session.expired', session(purchase, { status: 'expired', payment_status: 'unpaid', payment_intent: null }))).expect(200);
  const ended = await purchaseOf(auth, purchase.id, (status) => status === 'failed');
  expect(ended.failureReason).toContain('checkout_expired');
});

it('ignores a completion whose amount does not match the purchase', async () => {
  const { auth } = await newUser();
  const purchase = await buyStarter(auth);
  const response = await deliver(stripeEvent('checkout.session.completed', session(purchase, { amount_total: 1 }))).expect(200);
  expect(response.body).toMatchObject({ outcome: 'ignored_mismatch' });
  expect((await request(harness.app).get(`/credits/purchases/${purchase.id}`).set('Authorization', auth)).body.status).toBe('pending');
});

it('records a declined attempt without ending the purchase: the buyer may try another card', async () => {
  const { auth } = await newUser();
  const purchase = await buyStarter(auth);
  const declined = stripeEvent('payment_intent.payment_failed', { id: 'pi_declined', object: 'payment_intent', metadata: { purchaseId: purchase.id }, last_payment_error: { code: 'card_declined' } });
  expect((await deliver(declined).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_type' });
  expect((await request(harness.app).get(`/credits/purchases/${purchase.id}`).set('Authorization', auth)).body.status).toBe('pending');
});

it('records a refund of a payment that is none of ours', async () => {
  // stripe-mock answers the PaymentIntent lookup with a fixture that names no purchase.
  const refunded = stripeEvent('charge.refunded', { id: 'ch_x', object: 'charge', payment_intent: 'pi_not_ours', amount: 100, amount_refunded: 100, currency: 'usd' });
  expect((await deliver(refunded).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_unknown_purchase' });
  expect(await harness.prisma.paymentWebhookEvent.findUnique({ where: { eventId: refunded.id } })).toMatchObject({ outcome: 'ignored_unknown_purchase', processedAt: expect.any(Date) });
});

it('refuses bad signatures, other secrets and stale timestamps, and records nothing', async () => {
  const event = stripeEvent('checkout.session.completed', { id: 'cs_forged', object: 'checkout.session', amount_total: 499, currency: 'usd', payment_status: 'paid' });
  const stale = Math.floor(Date.now() / 1000) - 600;
  for (const forged of [deliver(event, { secret: 'whsec_someone_else' }), deliver(event, { timestamp: stale }), deliver(event, { signature: 't=1,v1=00' }), request(harness.app).post('/webhooks/stripe').send(event)]) {
    const response = await forged;
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('UNAUTHENTICATED');
  }
  expect(await harness.prisma.paymentWebhookEvent.findUnique({ where: { eventId: event.id } })).toBeNull();
});

it('records subscription events it does not act on yet', async () => {
  const paid = stripeEvent('invoice.paid', { id: 'in_1', object: 'invoice', amount_paid: 999, currency: 'usd' });
  expect((await deliver(paid).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_type' });
  expect((await deliver(paid).expect(200)).body).toEqual({ received: true, duplicate: true, outcome: 'ignored_type' });
});

it('lists disputed purchases, unmatched events and stuck paid purchases for operators, until resolved with a reason', async () => {
  const admin = `Bearer ${await harness.tokenFor('attention-admin', 'admin')}`;
  const { auth } = await newUser();
  const purchase = await buyStarter(auth);
  const paid = session(purchase);
  await deliver(stripeEvent('checkout.session.completed', paid)).expect(200);
  await purchaseOf(auth, purchase.id, (status) => status === 'fulfilled');
  await deliver(stripeEvent('charge.dispute.created', { id: 'dp_2', object: 'dispute', payment_intent: paid.payment_intent, amount: 499, currency: 'usd' })).expect(200);
  const stray = stripeEvent('charge.refunded', { id: 'ch_stray', object: 'charge', payment_intent: 'pi_stray', amount: 100, amount_refunded: 100, currency: 'usd' });
  await deliver(stray).expect(200);
  // A purchase whose refund kept failing is left `paid` by its saga (test/integration/purchases
  // covers the saga); here the row is put in that state directly.
  const stuck = await buyStarter(auth);
  await harness.prisma.purchase.update({ where: { id: stuck.id }, data: { status: 'paid', paidAt: new Date(Date.now() - 60 * 60_000) } });

  const listed = await request(harness.app).get('/admin/purchases?status=needs_attention').set('Authorization', admin).expect(200);
  expect(listed.body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'disputed', purchaseId: purchase.id, detail: 'Disputed; 100 credits taken back' }),
      expect.objectContaining({ kind: 'unmatched_webhook', eventId: stray.id, detail: 'charge.refunded: ignored_unknown_purchase' }),
      expect.objectContaining({ kind: 'stuck_paid', purchaseId: stuck.id, priceCents: 499, currency: 'USD' }),
    ]),
  );

  await request(harness.app).post(`/admin/purchases/${purchase.id}/resolve`).set('Authorization', admin).send({ reason: 'Dispute lost; credits already taken back' }).expect(200);
  await request(harness.app).post(`/admin/payment-events/${stray.id}/resolve`).set('Authorization', admin).send({ reason: 'A charge of another product on the same account' }).expect(200);
  expect((await request(harness.app).post(`/admin/purchases/${purchase.id}/resolve`).set('Authorization', admin).send({ reason: 'again' }).expect(404)).body.error.code).toBe('NOT_FOUND');
  const after = (await request(harness.app).get('/admin/purchases?status=needs_attention').set('Authorization', admin).expect(200)).body.items;
  expect(after.map((item: { purchaseId: string | null; eventId: string | null }) => item.purchaseId ?? item.eventId)).not.toEqual(expect.arrayContaining([purchase.id]));
  expect(after.some((item: { eventId: string | null }) => item.eventId === stray.id)).toBe(false);
  expect(await harness.prisma.operatorAuditEntry.findMany({ where: { targetId: { in: [purchase.id, stray.id] } }, orderBy: { id: 'asc' } })).toEqual([
    expect.objectContaining({ actor: 'admin:attention-admin', action: 'resolve', targetType: 'purchase', outcome: 'accepted', reason: 'Dispute lost; credits already taken back' }),
    expect.objectContaining({ targetType: 'payment_event', outcome: 'accepted' }),
    expect.objectContaining({ targetType: 'purchase', outcome: 'NOT_FOUND' }),
  ]);
  // Refusals: not an admin, an unknown status, no reason.
  expect((await request(harness.app).get('/admin/purchases?status=needs_attention').set('Authorization', auth)).status).toBe(403);
  expect((await request(harness.app).get('/admin/purchases?status=paid').set('Authorization', admin)).status).toBe(400);
  expect((await request(harness.app).post(`/admin/purchases/${stuck.id}/resolve`).set('Authorization', admin).send({})).status).toBe(400);
  // Leave the books as a finished saga would: the stuck purchase is resolved by an operator.
  await request(harness.app).post(`/admin/purchases/${stuck.id}/resolve`).set('Authorization', admin).send({ reason: 'Refunded by hand at Stripe' }).expect(200);
});
