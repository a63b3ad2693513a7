import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PaymentDeclinedError } from '../../integrations/payments/payment-provider';
import { createStripeClient, createStripePaymentProvider } from '../../integrations/payments/stripe-payment-provider';

/**
 * Auto-recharge's Stripe calls against stripe-mock (test/global-setup.ts), which checks every
 * request against Stripe's OpenAPI spec. A small recording proxy sits in front of it, so the tests
 * can read the form fields the SDK sent, and can stand in for the answers a stateless mock cannot
 * give: a confirmed charge (`succeeded`) and a card error (402 `card_error`).
 */
const RETURN_URLS = { success: 'https://app.example/premium/credits/success?purchase=p-1', cancel: 'https://app.example/premium/credits/failure?purchase=p-1' };

interface Recorded {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
}

type Answer = (recorded: Recorded, upstream: { status: number; body: string }) => { status: number; body: string };

let proxy: http.Server;
let proxyUrl: string;
let recorded: Recorded[] = [];
let answer: Answer = (_recorded, upstream) => upstream;

beforeAll(async () => {
  const upstreamUrl = process.env.CREDITS_TEST_STRIPE_MOCK_URL;
  if (!upstreamUrl) throw new Error('CREDITS_TEST_STRIPE_MOCK_URL is unset: run through jest so test/global-setup.ts starts stripe-mock');
  proxy = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const entry: Recorded = { method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, idempotencyKey: req.headers['idempotency-key'] as string | undefined, form: new URLSearchParams(body) };
    recorded.push(entry);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => ['authorization', 'content-type', 'idempotency-key', 'stripe-version'].includes(name))) as Record<string, string>;
    const upstream = await fetch(`${upstreamUrl}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
    const reply = answer(entry, { status: upstream.status, body: await upstream.text() });
    res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Request-Id': 'req_proxy' }).end(reply.body);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)));
});

beforeEach(() => {
  recorded = [];
  answer = (_recorded, upstream) => upstream;
});

function adapter() {
  return createStripePaymentProvider(createStripeClient({ secretKey: 'sk_test_credits', apiUrl: proxyUrl, timeoutMs: 5_000 }));
}

const paymentIntentsCreated = () => recorded.filter((entry) => entry.method === 'POST' && entry.path === '/v1/payment_intents');

it('makes the customer under the saga’s key, and saves the checkout’s card for off-session use', async () => {
  const provider = adapter();
  const customer = await provider.createCustomer({ userId: 'user-1' }, 'customer:user-1');
  expect(customer.id).toMatch(/^cus_/);
  await provider.createPaymentIntent({ purchaseId: 'p-1', amountCents: 499, currency: 'USD', description: '100 credits (starter)', returnUrls: RETURN_URLS, customerId: customer.id }, 'purchase-p-1:intent');
  const [created, session] = recorded;
  expect(created).toMatchObject({ path: '/v1/customers', idempotencyKey: 'customer:user-1' });
  expect(created!.form.get('metadata[userId]')).toBe('user-1');
  expect(session).toMatchObject({ path: '/v1/checkout/sessions', idempotencyKey: 'purchase-p-1:intent' });
  expect(session!.form.get('customer')).toBe(customer.id);
  expect(session!.form.get('payment_intent_data[setup_future_usage]')).toBe('off_session');
  expect(session!.form.get('payment_intent_data[metadata][purchaseId]')).toBe('p-1');
});

it('charges the saved card with an off-session PaymentIntent confirmed at once, under the saga’s key', async () => {
  answer = (entry, upstream) => (entry.path === '/v1/payment_intents' ? { status: 200, body: JSON.stringify({ ...JSON.parse(upstream.body), status: 'succeeded' }) } : upstream);
  const intent = await adapter().chargeOffSession({ purchaseId: 'p-2', customerId: 'cus_saved', amountCents: 1999, currency: 'USD', description: 'Auto-recharge' }, 'auto-recharge-u:r:charge');
  expect(intent).toMatchObject({ id: expect.stringMatching(/^pi_/), status: 'succeeded', purchaseId: 'p-2', currency: 'USD' });
  expect(recorded[0]).toMatchObject({ method: 'GET', path: '/v1/customers/cus_saved/payment_methods' });
  const [charge] = paymentIntentsCreated();
  expect(charge!.idempotencyKey).toBe('auto-recharge-u:r:charge');
  expect(Object.fromEntries(['amount', 'currency', 'customer', 'off_session', 'confirm', 'metadata[purchaseId]'].map((field) => [field, charge!.form.get(field)]))).toEqual({
    amount: '1999',
    currency: 'usd',
    customer: 'cus_saved',
    off_session: 'true',
    confirm: 'true',
    'metadata[purchaseId]': 'p-2',
  });
  expect(charge!.form.get('payment_method')).toMatch(/^pm_/);
});

it('reports a card error as a decline with the bank’s reason, never as an outage', async () => {
  answer = (entry, upstream) =>
    entry.path === '/v1/payment_intents'
      ? { status: 402, body: JSON.stringify({ error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } }) }
      : upstream;
  const charge = adapter().chargeOffSession({ purchaseId: 'p-3', customerId: 'cus_saved', amountCents: 499, currency: 'USD', description: 'Auto-recharge' }, 'auto-recharge-u:r3:charge');
  await expect(charge).rejects.toBeInstanceOf(PaymentDeclinedError);
  await expect(charge).rejects.toMatchObject({ declineCode: 'insufficient_funds', retryable: false, httpStatus: 402 });
});

it('reports a charge that needs the cardholder as a decline, and a customer without a card without charging', async () => {
  // stripe-mock's own answer: a PaymentIntent still wanting a payment method, as an unconfirmable charge is.
  const unconfirmed = adapter().chargeOffSession({ purchaseId: 'p-4', customerId: 'cus_saved', amountCents: 499, currency: 'USD', description: 'Auto-recharge' }, 'auto-recharge-u:r4:charge');
  await expect(unconfirmed).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'requires_payment_method' });

  recorded = [];
  answer = (entry, upstream) => (entry.path.endsWith('/payment_methods') ? { status: 200, body: JSON.stringify({ object: 'list', data: [], has_more: false, url: entry.path }) } : upstream);
  const cardless = adapter().chargeOffSession({ purchaseId: 'p-5', customerId: 'cus_new', amountCents: 499, currency: 'USD', description: 'Auto-recharge' }, 'auto-recharge-u:r5:charge');
  await expect(cardless).rejects.toMatchObject({ name: 'PaymentDeclinedError', declineCode: 'no_saved_payment_method' });
  expect(paymentIntentsCreated()).toEqual([]);
});

it('refunds an off-session charge by its PaymentIntent directly', async () => {
  const refund = await adapter().refundPayment({ paymentIntentId: 'pi_offsession', amountCents: 499, reason: 'The balance cap refused the credits' }, 'auto-recharge-u:r:refund');
  expect(refund).toMatchObject({ id: expect.stringMatching(/^re_/), paymentIntentId: 'pi_offsession' });
  expect(recorded.map((entry) => [entry.method, entry.path])).toEqual([['POST', '/v1/refunds']]);
  expect(recorded[0]!.form.get('payment_intent')).toBe('pi_offsession');
});
