import { randomUUID } from 'node:crypto';
import request from 'supertest';
import Stripe from 'stripe';
import { createStripeClient } from '../../integrations/payments/stripe-payment-provider';
import { createStripeSubscriptionBilling } from '../../integrations/payments/stripe-subscription-billing';
import { subscriptionPlan } from '../../domain/subscriptions/subscription-plans';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

/**
 * Subscriptions with PAYMENT_PROVIDER=stripe: the adapter's requests against stripe-mock (which
 * checks each against Stripe's OpenAPI spec), and Stripe's subscription events (invoice.paid,
 * customer.subscription.updated / .deleted) signed with the SDK's own test-header helper, through
 * the API into the ledger. stripe-mock keeps no state, so the events stand for what Stripe would send.
 */
const WEBHOOK_SECRET = 'whsec_credits_subscriptions_0123456789';
const WEB_APP = 'https://app.example';
const RETURN_URLS = { success: `${WEB_APP}/premium/credits/success`, cancel: `${WEB_APP}/premium/credits/failure` };
const DAY_S = 24 * 60 * 60;
const stripe = new Stripe('sk_test_signing_only');
let harness: SagaHarness;

function stripeMockUrl(): string {
  const url = process.env.CREDITS_TEST_STRIPE_MOCK_URL;
  if (!url) throw new Error('CREDITS_TEST_STRIPE_MOCK_URL is unset: run through jest so test/global-setup.ts starts stripe-mock');
  return url;
}

beforeAll(async () => {
  harness = await startSagaHarness({
    env: { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_credits', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: stripeMockUrl(), WEB_APP_URL: WEB_APP, SIGNUP_CREDITS: '0' },
  });
});

afterAll(async () => {
  // Closing verifies the whole ledger.
  await harness?.close();
});

/** The adapter, and every request the SDK sent with its Idempotency-Key and the status it got. */
function adapter() {
  const client = createStripeClient({ secretKey: 'sk_test_credits', apiUrl: stripeMockUrl(), timeoutMs: 5_000 });
  const requests: Array<{ method: string; path: string; idempotencyKey: string | undefined; status?: number }> = [];
  client.on('request', (event: { method: string; path: string; idempotency_key?: string }) =>
    requests.push({ method: event.method, path: event.path, idempotencyKey: event.method === 'POST' ? event.idempotency_key : undefined }),
  );
  client.on('response', (event: { path: string; status: number }) => {
    const pending = requests.find((sent) => sent.path === event.path && sent.status === undefined);
    if (pending) pending.status = event.status;
  });
  return { billing: createStripeSubscriptionBilling(client), requests };
}

function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${randomUUID().replace(/-/g, '')}`) {
  return { id, object: 'event', type, api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } };
}

function deliver(event: object) {
  const payload = JSON.stringify(event);
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return request(harness.app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
}

describe('the Stripe subscription adapter against stripe-mock', () => {
  it('opens a Checkout Session in subscription mode with the return URLs, under the subscription’s idempotency key', async () => {
    const { billing, requests } = adapter();
    const checkout = await billing.createSubscriptionCheckout({ subscriptionId: 's-1', userId: 'u-1', plan: subscriptionPlan('study-monthly')!, returnUrls: RETURN_URLS }, 'subscription:s-1:checkout');
    expect(checkout).toMatchObject({ checkoutId: expect.stringMatching(/^cs_/), checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) });
    expect(requests).toEqual([{ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: 'subscription:s-1:checkout', status: 200 }]);
  });

  it('refuses, for good, a subscription checkout without return URLs', async () => {
    const { billing, requests } = adapter();
    await expect(billing.createSubscriptionCheckout({ subscriptionId: 's-2', userId: 'u-2', plan: subscriptionPlan('study-monthly')! }, 'subscription:s-2:checkout')).rejects.toMatchObject({ name: 'PaymentProviderError', retryable: false });
    expect(requests).toEqual([]);
  });

  it('cancels at period end with an idempotency key, and reads a subscription with its paid invoices', async () => {
    const { billing, requests } = adapter();
    const state = await billing.cancelSubscriptionAtPeriodEnd('sub_test_1', 'subscription:s-3:cancel');
    expect(state).toMatchObject({ providerSubscriptionId: expect.stringMatching(/^sub_/) });
    const snapshot = await billing.retrieveSubscription({ checkoutId: 'cs_test_1', providerSubscriptionId: 'sub_test_1' });
    expect(snapshot.state.providerSubscriptionId).toMatch(/^sub_/);
    expect(Array.isArray(snapshot.paidPeriods)).toBe(true);
    expect(requests.map((sent) => [sent.method, sent.path.split('?')[0], sent.idempotencyKey, sent.status])).toEqual([
      ['POST', '/v1/subscriptions/sub_test_1', 'subscription:s-3:cancel', 200],
      ['GET', '/v1/subscriptions/sub_test_1', undefined, 200],
      ['GET', '/v1/invoices', undefined, 200],
    ]);
  });
});

describe('Stripe subscription events through the API', () => {
  it('links the checkout, grants a paid period once per invoice however often delivered, and applies the cancellation', async () => {
    const userId = `stripe-subscriber-${process.pid}`;
    const auth = `Bearer ${await harness.tokenFor(userId)}`;
    const created = await request(harness.app).post('/users/me/subscription').set('Authorization', auth).send({ planId: 'study-monthly', returnUrls: RETURN_URLS }).expect(201);
    expect(created.body.subscription).toMatchObject({ status: 'incomplete', billing: 'stripe', checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) });
    const subscriptionId: string = created.body.subscription.id;
    const row = await harness.prisma.planSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    const stripeSubscriptionId = `sub_${randomUUID().replace(/-/g, '')}`;

    const completed = stripeEvent('checkout.session.completed', { id: row.checkoutId, object: 'checkout.session', mode: 'subscription', status: 'complete', payment_status: 'paid', client_reference_id: subscriptionId, metadata: { subscriptionId }, subscription: stripeSubscriptionId });
    expect((await deliver(completed).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'linked' });

    const start = Math.floor(Date.now() / 1000);
    const invoice = {
      id: `in_${randomUUID().replace(/-/g, '')}`,
      object: 'invoice',
      status: 'paid',
      amount_paid: 999,
      currency: 'usd',
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: stripeSubscriptionId, metadata: { subscriptionId } } },
      lines: { object: 'list', data: [{ id: 'il_1', object: 'line_item', period: { start, end: start + 30 * DAY_S } }], has_more: false },
    };
    const paid = stripeEvent('invoice.paid', invoice);
    expect((await deliver(paid).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'period_granted' });
    expect((await deliver(paid).expect(200)).body).toEqual({ received: true, duplicate: true, outcome: 'period_granted' });
    // The same invoice in another event (Stripe may send invoice.paid and a later retry with a new id).
    expect((await deliver(stripeEvent('invoice.paid', invoice)).expect(200)).body).toMatchObject({ duplicate: false, outcome: 'period_already_granted' });
    const shown = (await request(harness.app).get('/users/me/subscription').set('Authorization', auth).expect(200)).body.subscription;
    expect(shown).toMatchObject({ status: 'active', creditsGrantedThisPeriod: 300, currentPeriodStart: new Date(start * 1000).toISOString(), nextRenewalAt: new Date((start + 30 * DAY_S) * 1000).toISOString() });
    const lots = await harness.prisma.creditLot.findMany({ where: { account: { userId }, source: 'subscription' } });
    expect(lots.map((lot) => [lot.grantedCredits, lot.expiresAt!.getTime()])).toEqual([[300, (start + 60 * DAY_S) * 1000]]);

    const subscriptionObject = (fields: Record<string, unknown>) => ({
      id: stripeSubscriptionId,
      object: 'subscription',
      status: 'active',
      cancel_at_period_end: false,
      metadata: { subscriptionId },
      items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', current_period_start: start, current_period_end: start + 30 * DAY_S }], has_more: false },
      ...fields,
    });
    expect((await deliver(stripeEvent('customer.subscription.updated', subscriptionObject({ cancel_at_period_end: true }))).expect(200)).body).toMatchObject({ outcome: 'state_applied' });
    expect((await request(harness.app).get('/users/me/subscription').set('Authorization', auth).expect(200)).body.subscription).toMatchObject({ cancelAtPeriodEnd: true, nextRenewalAt: null });
    expect((await deliver(stripeEvent('customer.subscription.deleted', subscriptionObject({ status: 'canceled', cancel_at_period_end: true }))).expect(200)).body).toMatchObject({ outcome: 'state_applied' });
    expect((await request(harness.app).get('/users/me/subscription').set('Authorization', auth).expect(200)).body.subscription).toMatchObject({ status: 'canceled' });
    const audit = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'subscription', targetId: subscriptionId }, orderBy: { id: 'asc' } });
    expect(audit.map((entry) => [entry.actor, entry.action])).toEqual([
      [`user:${userId}`, 'subscription.subscribe'],
      ['provider:stripe', 'subscription.cancel_scheduled'],
      ['provider:stripe', 'subscription.ended'],
    ]);
    // Credits already granted stay.
    expect((await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance).toBe(300);
  });
});
