import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { recordHistory } from '../support/histories';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Records the purchase saga's refund paths for the replay test (`npm run histories:record`): a
 * refund retried through provider faults, a refund that keeps failing (COMPENSATION_FAILED), and
 * the operator's retry of that refund (purchaseRefundWorkflow).
 */
const SECRET = 'recorder-refund-webhook-secret-0123456789';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { MAX_BALANCE: '1000', PAYMENT_PROVIDER_TIMEOUT_MS: '1000', PURCHASE_COMPENSATION_MAX_ATTEMPTS: '3' } });
  ({ harness, provider } = payments);
});

afterAll(async () => {
  await payments?.close();
});

/** A standard purchase paid after an admin grant took the balance too high for it: the saga refunds. */
async function purchaseTheSagaRefunds(name: string): Promise<{ id: string; workflowId: string; auth: string }> {
  const userId = `refund-recorder-${name}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId: 'standard' }).expect(201);
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('refund-recorder-admin', 'admin')}`)
    .set('Idempotency-Key', randomUUID())
    .send({ amount: 550, reason: 'fill up' })
    .expect(201);
  await provider.complete(created.body.paymentIntentId);
  return { id: created.body.id, workflowId: created.body.workflowId, auth };
}

it('records a refund through faults, one that keeps failing, and the operator retry', async () => {
  provider.injectFault('refund', 'drop_after_effect');
  const retried = await purchaseTheSagaRefunds('faults');
  await recordHistory(harness, 'purchase-refunded-through-faults', retried.workflowId);

  provider.injectFault('refund', 'error', 100);
  const stuck = await purchaseTheSagaRefunds('failing');
  await recordHistory(harness, 'purchase-compensation-failed', stuck.workflowId);

  provider.clearFaults();
  const admin = `Bearer ${await harness.tokenFor('refund-recorder-admin', 'admin')}`;
  const started = await request(harness.app).post(`/admin/purchases/${stuck.id}/refund`).set('Authorization', admin).send({ reason: 'provider back' }).expect(202);
  await waitFor(
    async () => (await request(harness.app).get(`/credits/purchases/${stuck.id}`).set('Authorization', stuck.auth)).body.status,
    (status) => status === 'refunded',
    { what: 'the operator refund' },
  );
  await recordHistory(harness, 'purchase-operator-refund', started.body.workflowId);
});
