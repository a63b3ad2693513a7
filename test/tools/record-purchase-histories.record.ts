import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { findFreePort } from '../../dev-services/free-port';
import { FakePaymentProvider } from '../../payments/fake-payment-provider';
import { recordHistory } from '../support/histories';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Records purchase saga histories for the replay test (`npm run histories:record`): the API
 * listens on a port, and the fake provider delivers its signed webhooks to it over HTTP.
 */
const SECRET = 'recorder-payment-webhook-secret';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let api: Server;

beforeAll(async () => {
  provider = await FakePaymentProvider.start({ port: await findFreePort(), webhookSecret: SECRET });
  harness = await startSagaHarness({ env: { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_WEBHOOK_SECRET: SECRET } });
  api = await new Promise<Server>((resolve) => {
    const server = harness.app.listen(0, '127.0.0.1', () => resolve(server));
  });
  provider.webhookUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/webhooks/payments`;
});

afterAll(async () => {
  api?.closeAllConnections();
  await new Promise((resolve) => (api ? api.close(resolve) : resolve(undefined)));
  await harness?.close();
  await provider?.close();
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
