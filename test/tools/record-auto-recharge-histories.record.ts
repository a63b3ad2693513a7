import { recordHistory } from '../support/histories';
import { autoRechargeDriver } from '../support/auto-recharge';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { autoRechargeWorkflowId } from '../../workflows/auto-recharge/contract';

/**
 * Records the auto-recharge saga's paths, and a relay run that started one, for the replay test
 * (`npm run histories:record`).
 */
const SECRET = 'recorder-auto-recharge-webhook-secret';
let payments: PaymentHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { SIGNUP_CREDITS: '50' } });
});

afterAll(async () => {
  await payments?.close();
});

it('records the auto-recharge saga bought, declined and capped out, and the relay', async () => {
  const driver = autoRechargeDriver(payments, 'recharge-recorder');
  const { harness } = payments;
  const paths: Array<{ name: string; setup: (userId: string) => Promise<void>; setting: object }> = [
    { name: 'auto-recharge-succeeded', setup: async () => undefined, setting: { packageId: 'starter' } },
    { name: 'auto-recharge-declined', setup: async (userId) => payments.provider.declineOffSessionCharges(userId, 'card_declined'), setting: { packageId: 'starter' } },
    { name: 'auto-recharge-cap-full', setup: (userId) => driver.setCap(userId, 150), setting: { packageId: 'starter' } },
  ];
  for (const path of paths) {
    const { userId, auth } = await driver.newUser();
    await driver.firstCheckout(auth);
    await path.setup(userId);
    await driver.putAutoRecharge(auth, { enabled: true, thresholdCredits: 120, ...path.setting }).expect(200);
    await driver.spend(userId, 40);
    const [pending] = await driver.requestsOf(userId);
    const relayId = `relay-recorded-${path.name}`;
    await harness.temporal.workflow.execute('autoRechargeRelayWorkflow', { taskQueue: harness.config.TEMPORAL_TASK_QUEUE, workflowId: relayId, args: [{ pageSize: 100 }] });
    await driver.rechargeSettled(userId);
    expect(pending).toBeDefined();
    await recordHistory(harness, path.name, autoRechargeWorkflowId(userId));
    if (path.name === 'auto-recharge-succeeded') await recordHistory(harness, 'auto-recharge-relay', relayId);
  }
});
