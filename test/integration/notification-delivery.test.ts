import { ScheduleOverlapPolicy } from '@temporalio/client';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { verifyWebhook } from '../../integrations/webhooks/webhook-signature';
import { applySchedules, recurringJobs } from '../../orchestration/recurring-schedules';
import { applyLedgerSettings } from '../../domain/ledger/ledger-settings';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { untilSecondAfter } from '../support/schedules';

/** A local webhook receiver that fails the first two deliveries, as a flaky real one would. */
const received: Array<{ id: string; signatureValid: boolean; answered: number }> = [];
let failuresLeft = 2;
const SECRET = 'test-webhook-secret-0123456789';
let receiver: http.Server;
let harness: SagaHarness;
const prefix = `relay-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const signatureValid = verifyWebhook(SECRET, String(req.headers['x-credits-timestamp']), body, String(req.headers['x-credits-signature']));
      const answered = failuresLeft > 0 ? 503 : 200;
      failuresLeft -= 1;
      received.push({ id: JSON.parse(body).id, signatureValid, answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  harness = await startSagaHarness({
    env: {
      NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/credits`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      SCHEDULE_ID_PREFIX: prefix,
      EXPIRATION_SWEEP_CRON: '0 0 1 1 *',
      ORPHAN_SWEEP_CRON: '0 0 1 1 *',
      NOTIFICATION_RELAY_CRON: '0 0 1 1 *',
      SUBSCRIPTION_REFILL_CRON: '0 0 1 1 *',
      SUBSCRIPTION_RECONCILE_CRON: '0 0 1 1 *',
      LOW_CREDIT_SCAN_CRON: '0 0 1 1 *',
      DAILY_BONUS_CRON: '0 0 1 1 *',
      AUTO_RECHARGE_RELAY_CRON: '0 0 1 1 *',
    },
  });
  // One notification per crossing is what this test follows: the banner's warning (at 10) is off here.
  await applyLedgerSettings(harness.prisma, { lowCreditNotifyBelowCredits: 5, lowCreditWarnBelowCredits: 0 });
  await applySchedules(harness.temporal, harness.config);
});

afterAll(async () => {
  await Promise.allSettled(recurringJobs(harness.config).map((job) => harness.temporal.schedule.getHandle(job.scheduleId).delete()));
  await harness?.close();
  receiver?.closeAllConnections();
  await new Promise((resolve) => receiver?.close(resolve));
});

it('delivers each notification to the webhook, signed, retrying through failures, with one id per notification', async () => {
  const userId = `relay-${process.pid}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`);
  await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
    .send({ amount: -47, reason: 'drop below the threshold' });
  const notification = await harness.prisma.notification.findFirstOrThrow({ where: { userId } });

  const schedule = harness.temporal.schedule.getHandle(`${prefix}-notification-relay`);
  await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const described = await waitFor(() => schedule.describe(), (d) => d.info.recentActions.length === 1, { what: 'the relay to start' });
  const result = await harness.temporal.workflow.getHandle(described.info.recentActions[0]!.action.workflow.workflowId).result();
  expect(result).toEqual({ delivered: 1, failed: 0 });

  expect(received.map((delivery) => delivery.answered)).toEqual([503, 503, 200]);
  expect(new Set(received.map((delivery) => delivery.id))).toEqual(new Set([notification.id]));
  expect(received.every((delivery) => delivery.signatureValid)).toBe(true);
  const delivered = await harness.prisma.notification.findUniqueOrThrow({ where: { id: notification.id } });
  expect(delivered.deliveredAt).not.toBeNull();
  expect(delivered.deliveryAttempts).toBe(3);

  // A second relay run finds nothing left to send.
  await untilSecondAfter(described.info.recentActions[0]!.takenAt);
  await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const again = await waitFor(() => schedule.describe(), (d) => d.info.recentActions.length === 2, { what: 'the second relay to start' });
  expect(await harness.temporal.workflow.getHandle(again.info.recentActions[1]!.action.workflow.workflowId).result()).toEqual({ delivered: 0, failed: 0 });
  expect(received).toHaveLength(3);
});
