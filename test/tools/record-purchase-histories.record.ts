import request from 'supertest';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { recordHistory } from '../support/histories';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Records purchase saga histories for the replay test (`npm run histories:record`): the API
 * listens on a port, and the fake provider delivers its signed webhooks to it over HTTP.
 */
const SECRET = 'recorder-payment-webhook-secret';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET });
  ({ harness, provider } = payments);
});

afterAll(async () => {
  await payments?.close();
});

async function purchase(outcome: 'complete' | 'fail'): Promise<string> {
  const auth = `Bearer ${await harness.tokenFor(`purchase-recorder-${outcome}`)}`;
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', `recorded-${outcome}`).send({ packageId: 'starter' });
  expect(created.status).toBe(201);
  expect((await provider[outcome](created.body.paymentIntentId)).status).toBe(200);
  await waitFor(
    async () => (await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status,
    (status) => !['pending', 'paid'].includes(status),
    { what: 'the purchase to finish' },
  );
  return created.body.workflowId;
}

it('records the purchase saga paid, and declined', async () => {
  await recordHistory(harness, 'purchase-fulfilled', await purchase('complete'));
  await recordHistory(harness, 'purchase-payment-failed', await purchase('fail'));
});
