import request from 'supertest';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { subscriptionReconcileWorkflow } from '../../workflows/subscription-reconcile/workflow';
import { recordHistory } from '../support/histories';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import type { SagaHarness } from '../support/saga-harness';

/**
 * Records the subscription reconciliation's history for the replay test (`npm run
 * histories:record`): a paid subscription whose renewal webhook was lost, found by the run.
 */
const SECRET = 'recorder-subscription-webhook-secret';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { WEB_APP_URL: 'http://web.test' } });
  ({ harness, provider } = payments);
});

afterAll(async () => {
  await payments?.close();
});

it('records a reconciliation that grants a missed renewal', async () => {
  const auth = `Bearer ${await harness.tokenFor('subscription-recorder')}`;
  const created = await request(harness.app).post('/users/me/subscription').set('Authorization', auth).send({ planId: 'study-monthly' });
  expect(created.status).toBe(201);
  expect((await fetch(`${created.body.subscription.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' })).status).toBe(200);
  const row = await harness.prisma.planSubscription.findUniqueOrThrow({ where: { id: created.body.subscription.id } });
  const advanced = await fetch(`${provider.url}/v1/subscriptions/${row.providerSubscriptionId}/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ deliver: false }) });
  expect(advanced.status).toBe(200);
  const workflowId = `subscription-reconcile-recorded-${Date.now()}`;
  const result = await harness.temporal.workflow.execute(subscriptionReconcileWorkflow, { taskQueue: harness.config.TEMPORAL_TASK_QUEUE, workflowId, args: [{ pageSize: 10 }] });
  expect(result).toMatchObject({ checked: 1, grantedPeriods: 1 });
  await recordHistory(harness, 'subscription-reconcile-granted', workflowId);
});
