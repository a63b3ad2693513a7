import request from 'supertest';
import { randomUUID } from 'node:crypto';
import type { PaymentHarness } from './payments';
import { waitFor } from './saga-harness';

/**
 * Drives auto-recharge through the API and the fake provider: users who bought once through
 * checkout (so their card is saved), spends that cross a threshold, and runs of the relay as its
 * Schedule would start them. Shared by the integration test and the history recorder.
 */
export function autoRechargeDriver({ harness, provider }: PaymentHarness, userPrefix: string) {
  let users = 0;
  const adminAuth = async () => `Bearer ${await harness.tokenFor('recharge-admin', 'admin')}`;

  async function relay(): Promise<{ started: number; busy: number }> {
    return harness.temporal.workflow.execute('autoRechargeRelayWorkflow', { taskQueue: harness.config.TEMPORAL_TASK_QUEUE, workflowId: `relay-${randomUUID()}`, args: [{ pageSize: 100 }] });
  }

  function requestsOf(userId: string) {
    return harness.prisma.autoRechargeRequest.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } });
  }

  return {
    relay,
    requestsOf,

    async newUser(): Promise<{ userId: string; auth: string }> {
      const userId = `${userPrefix}-${process.pid}-${(users += 1)}`;
      const auth = `Bearer ${await harness.tokenFor(userId)}`;
      await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
      return { userId, auth };
    },

    /** The user's first purchase, paid on the provider's checkout: their card is saved with it. */
    async firstCheckout(auth: string): Promise<void> {
      const created = await request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', `first-${randomUUID()}`).send({ packageId: 'starter' }).expect(201);
      if ((await provider.complete(created.body.paymentIntentId)).status !== 200) throw new Error('The payment webhook was not taken');
      await waitFor(
        async () => (await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status,
        (status) => status === 'fulfilled',
        { what: 'the first checkout to be fulfilled' },
      );
    },

    putAutoRecharge(auth: string, body: object) {
      return request(harness.app).put('/users/me/auto-recharge').set('Authorization', auth).send(body);
    },

    /** Takes credits away (an admin adjustment): a ledger movement like any spend. */
    async spend(userId: string, credits: number): Promise<void> {
      await request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', await adminAuth()).set('Idempotency-Key', randomUUID()).send({ amount: -credits, reason: 'test spend' }).expect(201);
    },

    async setCap(userId: string, maxBalance: number): Promise<void> {
      await request(harness.app).put(`/admin/users/${userId}/limits`).set('Authorization', await adminAuth()).send({ maxBalance, reason: 'cap for the test' }).expect(200);
    },

    /** Relays until every request of the user is done: the saga ran for each. */
    async rechargeSettled(userId: string) {
      return waitFor(
        async () => {
          await relay();
          return requestsOf(userId);
        },
        (rows) => rows.length > 0 && rows.every((row) => row.status === 'done'),
        { what: `the auto-recharge of ${userId} to finish`, timeoutMs: 60_000 },
      );
    },
  };
}
