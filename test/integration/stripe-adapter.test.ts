import Stripe from 'stripe';
import { PaymentProviderError } from '../../integrations/payments/payment-provider';
import { createStripeClient, createStripePaymentProvider } from '../../integrations/payments/stripe-payment-provider';

/**
 * The Stripe adapter against stripe-mock (started by test/global-setup.ts), Stripe's official mock:
 * it checks every request against Stripe's OpenAPI spec and answers with fixtures, so these tests
 * prove our requests are ones Stripe accepts and that we read its answers right. It keeps no state:
 * a session "expired" here comes back as its fixture, which is why outcomes are driven by webhooks
 * in stripe-webhooks.test.ts.
 */
const RETURN_URLS = { success: 'https://app.example/premium/credits/success?purchase=p-1', cancel: 'https://app.example/premium/credits/failure?purchase=p-1' };

function stripeMockUrl(): string {
  const url = process.env.CREDITS_TEST_STRIPE_MOCK_URL;
  if (!url) throw new Error('CREDITS_TEST_STRIPE_MOCK_URL is unset: run through jest so test/global-setup.ts starts stripe-mock');
  return url;
}

/** The adapter, and every request the SDK sent (with its Idempotency-Key) and the status it got. */
function adapter(apiUrl = stripeMockUrl()) {
  const client = createStripeClient({ secretKey: 'sk_test_credits', apiUrl, timeoutMs: 5_000 });
  const requests: Array<{ method: string; path: string; idempotencyKey: string | undefined; status?: number }> = [];
  // Reads carry no key (the SDK reports the absent header as the string "undefined").
  client.on('request', (event: { method: string; path: string; idempotency_key?: string }) =>
    requests.push({ method: event.method, path: event.path, idempotencyKey: event.method === 'POST' ? event.idempotency_key : undefined }),
  );
  client.on('response', (event: { path: string; status: number }) => {
    const pending = requests.find((sent) => sent.path === event.path && sent.status === undefined);
    if (pending) pending.status = event.status;
  });
  return { provider: createStripePaymentProvider(client), requests };
}

it('creates a Checkout Session in payment mode with the return URLs and the purchase id, under the saga’s idempotency key', async () => {
  const { provider, requests } = adapter();
  const intent = await provider.createPaymentIntent({ purchaseId: 'p-1', amountCents: 499, currency: 'USD', description: '100 credits (starter)', returnUrls: RETURN_URLS }, 'purchase-p-1:intent');
  expect(intent).toMatchObject({ id: expect.stringMatching(/^cs_/), status: 'requires_payment', purchaseId: 'p-1', checkoutUrl: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) });
  expect(requests).toEqual([{ method: 'POST', path: '/v1/checkout/sessions', idempotencyKey: 'purchase-p-1:intent', status: 200 }]);
});

it('refuses, for good, a checkout without return URLs', async () => {
  const { provider, requests } = adapter();
  const refused = provider.createPaymentIntent({ purchaseId: 'p-2', amountCents: 499, currency: 'USD', description: '100 credits' }, 'purchase-p-2:intent');
  await expect(refused).rejects.toMatchObject({ name: 'PaymentProviderError', retryable: false });
  expect(requests).toEqual([]);
});

it('reports a request Stripe’s spec refuses as a permanent failure with its status', async () => {
  const { provider } = adapter();
  // A fractional amount of cents: stripe-mock refuses it as Stripe would (400, invalid_request_error).
  const refused = provider.createPaymentIntent({ purchaseId: 'p-3', amountCents: 4.5, currency: 'USD', description: 'bad', returnUrls: RETURN_URLS }, 'purchase-p-3:intent');
  await expect(refused).rejects.toBeInstanceOf(PaymentProviderError);
  await expect(refused).rejects.toMatchObject({ retryable: false, httpStatus: 400 });
});

it('reports an unreachable Stripe as worth retrying', async () => {
  const { provider } = adapter('http://127.0.0.1:1');
  const refused = provider.createPaymentIntent({ purchaseId: 'p-4', amountCents: 499, currency: 'USD', description: '100 credits', returnUrls: RETURN_URLS }, 'purchase-p-4:intent');
  await expect(refused).rejects.toMatchObject({ name: 'PaymentProviderError', retryable: true, httpStatus: null });
  await refused.catch((error: PaymentProviderError) => expect(error.cause).toBeInstanceOf(Stripe.errors.StripeConnectionError));
});

it('expires an open session when the purchase times out, keyed like the saga’s cancel', async () => {
  const { provider, requests } = adapter();
  const intent = await provider.cancelPaymentIntent('cs_test_timedout', 'purchase-p-5:cancel-intent');
  expect(intent.id).toMatch(/^cs_/);
  expect(requests).toEqual([
    { method: 'GET', path: '/v1/checkout/sessions/cs_test_timedout', idempotencyKey: undefined, status: 200 },
    { method: 'POST', path: '/v1/checkout/sessions/cs_test_timedout/expire', idempotencyKey: 'purchase-p-5:cancel-intent', status: 200 },
  ]);
});

it('refunds the session’s PaymentIntent through the Refunds API for the amount asked', async () => {
  const { provider, requests } = adapter();
  const refund = await provider.refundPayment({ paymentIntentId: 'cs_test_paid', amountCents: 499, reason: 'The balance cap refused the credits' }, 'purchase-p-6:refund');
  expect(refund).toMatchObject({ id: expect.stringMatching(/^re_/), paymentIntentId: 'cs_test_paid', status: 'succeeded' });
  expect(requests).toEqual([
    { method: 'GET', path: '/v1/checkout/sessions/cs_test_paid', idempotencyKey: undefined, status: 200 },
    { method: 'POST', path: '/v1/refunds', idempotencyKey: 'purchase-p-6:refund', status: 200 },
  ]);
});
